//! Generates the module tree of the cases from the folder layout, so that a
//! new feature folder or provider file needs no wiring:
//! `compat-tests/<feature>/<file>.rs` becomes module `<feature>::<file>`
//! (the harness reads feature and provider back from `module_path!()`).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed={}", root.display());
    let mut features: Vec<_> = std::fs::read_dir(root)
        .expect("read compat-tests/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !(name.starts_with('.') || name == "src" || name == "target" || name == "snapshots")
        })
        .collect();
    features.sort();
    let mut out = String::new();
    for dir in features {
        println!("cargo:rerun-if-changed={}", dir.display());
        let feature = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("read feature folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        if files.is_empty() {
            continue;
        }
        files.sort();
        writeln!(out, "#[allow(unused_imports)] pub mod {feature} {{").unwrap();
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let module = f.file_stem().unwrap().to_string_lossy();
            writeln!(
                out,
                "    #[path = {:?}] pub mod {module};",
                f.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "}}").unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("cases.rs");
    std::fs::write(dest, out).unwrap();
}
