//! Binary entry point: everything happens in the library's `run`.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    rmq_console_lib::run();
}
