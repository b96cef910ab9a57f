//! Writes `ui/src/bindings.ts` from the IPC contract. The test command runs this and then fails if
//! the file differs from the committed one (`git diff --exit-code ui/src/bindings.ts`).

#[test]
fn export_typescript_bindings() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    rmq_console_lib::ipc::export_bindings(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("clusterOverview"),
        "the overview command is in the contract"
    );
    assert!(
        text.contains("export type IpcError"),
        "the wire error type is in the contract"
    );
}
