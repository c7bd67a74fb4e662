//! The `compat` test binary: `cargo test -p compat-tests [-- <filter>]`.
//! The cases' modules are generated from the folder layout (build.rs).

include!(concat!(env!("OUT_DIR"), "/cases.rs"));

fn main() -> std::process::ExitCode {
    compat_tests::main()
}
