//! Declares the app's own commands to Tauri's ACL (see `src/ipc/acl.rs`), so that only what a
//! capability grants can be called from a window.

#[path = "src/ipc/acl.rs"]
mod acl;

fn main() {
    println!("cargo:rerun-if-changed=src/ipc/acl.rs");
    let manifest = tauri_build::AppManifest::new().commands(acl::COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri-build: {e:#}");
        std::process::exit(1);
    }
}
