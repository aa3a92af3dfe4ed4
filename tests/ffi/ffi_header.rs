//! The committed C header is what cbindgen (pinned in Cargo.toml) generates from
//! src/ffi today, and it compiles as C99 and as C++17 with every warning an
//! error.
//!
//! Regenerate after changing the C API:
//! `FAPIAO_BLESS_HEADER=1 cargo test --test ffi ffi_header::`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate() -> String {
    let root = root();
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .expect("cbindgen.toml is a valid cbindgen configuration");
    let bindings = cbindgen::Builder::new()
        .with_crate(&root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn committed_header_is_up_to_date() {
    let path = root().join("include/fapiao.h");
    let fresh = generate();
    if std::env::var_os("FAPIAO_BLESS_HEADER").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let first = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "include/fapiao.h is out of date with src/ffi (first difference at line {}).\n\
             Regenerate it with `FAPIAO_BLESS_HEADER=1 cargo test --test ffi ffi_header::` and commit it.\n\
             committed: {:?}\nfresh:     {:?}",
            first + 1,
            committed.lines().nth(first),
            fresh.lines().nth(first),
        );
    }
}

#[test]
fn header_carries_the_doc_comments() {
    let header = std::fs::read_to_string(root().join("include/fapiao.h")).unwrap();
    assert!(
        header.contains("Generated with cbindgen:0.29.4"),
        "pinned version stamp"
    );
    assert!(header.contains("FAPIAO_NOT_FOR_US = 401"));
    assert!(
        header.contains("Loads credentials"),
        "function docs carried over"
    );
    assert!(header.contains("typedef struct fapiao_credentials fapiao_credentials;"));
}

fn compile(compiler: &str, std: &str, language: &str, source: &Path) {
    let out = std::env::temp_dir().join(format!(
        "fapiao-header-{}-{}-{}.o",
        compiler.replace('+', "p"),
        std,
        std::process::id()
    ));
    let output = Command::new(compiler)
        .args([
            "-x",
            language,
            &format!("-std={std}"),
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-I",
        ])
        .arg(root().join("include"))
        .arg("-c")
        .arg(source)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{compiler}` (install gcc and g++ to test the C header): {e}")
        });
    let _ = std::fs::remove_file(&out);
    assert!(
        output.status.success(),
        "{compiler} -std={std} refuses include/fapiao.h:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn header_compiles_as_c99_and_cxx17() {
    let source = std::env::temp_dir().join(format!("fapiao-header-{}.c", std::process::id()));
    std::fs::write(
        &source,
        "#include \"fapiao.h\"\n\
         int fapiao_header_check(void);\n\
         int fapiao_header_check(void) {\n\
             fapiao_result rc = FAPIAO_OK;\n\
             fapiao_bytes *bytes = NULL;\n\
             (void)bytes;\n\
             return (int)rc + (int)FAPIAO_PURPOSE_SIGN;\n\
         }\n",
    )
    .unwrap();
    compile("gcc", "c99", "c", &source);
    compile("g++", "c++17", "c++", &source);
    let _ = std::fs::remove_file(&source);
}
