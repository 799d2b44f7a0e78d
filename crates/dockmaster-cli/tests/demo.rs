//! `dockmaster demo init`: copies the compiled-in demo into a folder (no project needed, not even a current folder
//! holding one), leaves an existing copy alone, refuses a folder holding something else (exit 2), and the copy
//! reads exactly like the repository's demo/.

mod common;

use common::*;

#[test]
fn demo_init_copies_the_demo_once_and_the_copy_reads_like_the_source() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("my-demo");
    let dir_s = dir.to_str().expect("utf-8");

    let out = dockmaster_command(&["demo", "init", dir_s, "--json"])
        .current_dir(tmp.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let copy = json(&out);
    assert_eq!(copy["dir"], dir_s);
    assert_eq!(copy["created"], true);

    // The copy's profiles are the repository demo's.
    let profiles = |project: &str| {
        let out = dockmaster(&["--project", project, "profiles", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["profiles"].clone()
    };
    let source = demo();
    assert_eq!(profiles(dir_s), profiles(source.to_str().expect("utf-8")));

    // Again: left as it is (an edit survives).
    std::fs::write(dir.join(".env"), "HTTP_PORT=18080\n").expect("write");
    let out = dockmaster(&["demo", "init", dir_s]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already holds a copy of the demo"));
    assert_eq!(std::fs::read_to_string(dir.join(".env")).expect("read"), "HTTP_PORT=18080\n");
}

#[test]
fn demo_init_refuses_a_folder_holding_something_else_and_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("notes.txt"), "mine").expect("write");
    let out = dockmaster(&["demo", "init", tmp.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("is not a copy of the demo") && err.contains("Choose a new or empty folder"),
        "{err}"
    );
    let names: Vec<_> =
        std::fs::read_dir(tmp.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(names, ["notes.txt"]);
}
