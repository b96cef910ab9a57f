//! The app's commands and Tauri's ACL agree: every command `ipc::builder()` registers is named in
//! `ipc::acl::COMMANDS` (which `build.rs` declares in the app manifest) and granted by
//! `capabilities/main.json`, and neither lists anything else. A command missing from the manifest
//! or the capability would be refused at run time ("not allowed by ACL"); an extra grant would
//! outlive the command it was for.

use std::collections::BTreeSet;
use std::path::Path;

use rmq_console_lib::ipc;

/// The command names the generated bindings invoke, i.e. what the builder registers.
fn registered_commands(bindings: &str) -> BTreeSet<String> {
    bindings
        .split("__TAURI_INVOKE")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find("(\"")? + 2;
            let len = rest[start..].find('"')?;
            Some(rest[start..start + len].to_owned())
        })
        .collect()
}

#[test]
fn every_registered_command_is_in_the_app_manifest_and_nothing_else() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("acl-bindings.ts");
    ipc::export_bindings(&path).unwrap();
    let registered = registered_commands(&std::fs::read_to_string(&path).unwrap());
    assert!(
        registered.contains("app_info"),
        "the bindings were parsed: {registered:?}"
    );

    let declared: BTreeSet<String> = ipc::acl::COMMANDS.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(
        declared.len(),
        ipc::acl::COMMANDS.len(),
        "a command is declared twice"
    );
    let missing: Vec<_> = registered.difference(&declared).collect();
    let extra: Vec<_> = declared.difference(&registered).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "src-tauri/src/ipc/acl.rs is out of step with ipc::builder(): add {missing:?}, remove {extra:?}"
    );
}

#[test]
fn the_capability_grants_exactly_the_declared_commands() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json");
    let capability: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let permissions: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();

    // The app's own permissions are the ones without a `plugin:` prefix.
    let granted: BTreeSet<String> = permissions
        .iter()
        .filter(|p| !p.contains(':'))
        .map(|p| (*p).to_owned())
        .collect();
    let expected: BTreeSet<String> = ipc::acl::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    let missing: Vec<_> = expected.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "capabilities/main.json: grant {missing:?}, remove {extra:?}"
    );

    assert!(
        !permissions
            .iter()
            .any(|p| p.starts_with("core:") && p.contains(":allow-create")),
        "windows are opened by the window_open_connection command, never by the UI directly"
    );
}
