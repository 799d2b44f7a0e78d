//! Copying an image between two in-memory engines: progress in bytes, an image already there is not sent,
//! a missing source image is named, and a copy that breaks half-way leaves the target without the image.

#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use super::*;
use crate::engine::ops::fake::{FakeEngine, Fault, Op};
use crate::engine::ops::ImageInfo;

const IMAGE: &str = "dockmaster/demo-busybox:latest";

fn image(id: &str) -> ImageInfo {
    ImageInfo { id: id.into(), ..Default::default() }
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

#[test]
fn copies_the_image_with_its_id_and_counts_the_bytes() {
    let (local, remote) = (FakeEngine::new(), FakeEngine::new());
    local.add_image(IMAGE, image("sha256:abc"));
    let events = Mutex::new(Vec::new());
    let copied =
        run(copy_image(&local, &remote, IMAGE, ("default", "far"), &|e| events.lock().unwrap().push(e)))
            .unwrap();
    assert_eq!((copied.id.as_str(), copied.already_there), ("sha256:abc", false));
    assert!(copied.sent_kib >= 2, "the archive's size is counted: {copied:?}");
    assert_eq!(remote.image_names(), vec![IMAGE.to_string()]);
    let events = events.into_inner().unwrap();
    assert!(matches!(&events[0], ImageCopyEvent::Checking { to, .. } if to == "far"), "{events:?}");
    assert_eq!(
        events.last(),
        Some(&ImageCopyEvent::Copying { image: IMAGE.into(), kib: copied.sent_kib }),
        "the last progress is the total"
    );

    // Again: the target has it with the same ID, nothing is sent.
    let again = run(copy_image(&local, &remote, IMAGE, ("default", "far"), &|_| {})).unwrap();
    assert!(again.already_there && again.sent_kib == 0, "{again:?}");
    assert_eq!(local.calls(Op::SaveImage), 1, "not exported twice");
}

#[test]
fn an_image_the_source_lacks_is_named_and_nothing_is_sent() {
    let (local, remote) = (FakeEngine::new(), FakeEngine::new());
    let err = run(copy_image(&local, &remote, "nope:1", ("default", "far"), &|_| {})).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ImageNotFound);
    assert!(err.to_string().contains("the engine `default` has no image nope:1"), "{err}");
    assert_eq!((local.calls(Op::SaveImage), remote.calls(Op::LoadImage)), (0, 0));
    let err = run(copy_image(&local, &remote, "two words", ("default", "far"), &|_| {})).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Usage);
}

#[test]
fn a_copy_broken_half_way_leaves_the_target_without_the_image() {
    let (local, remote) = (FakeEngine::new(), FakeEngine::new());
    local.add_image(IMAGE, image("sha256:abc"));
    remote.add_image("other:1", image("sha256:def"));
    local.fail(Op::SaveImage, 1, Fault::Refuse);
    let err = run(copy_image(&local, &remote, IMAGE, ("default", "far"), &|_| {})).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ImageCopyFailed);
    let text = err.to_string();
    assert!(
        text.contains("copying dockmaster/demo-busybox:latest to the engine `far` failed after 1 KiB"),
        "{text}"
    );
    assert!(text.contains("has no new image or tag"), "{text}");
    assert_eq!(remote.image_names(), vec!["other:1".to_string()], "the target is as it was");
    // Once the connection holds, the copy goes through.
    run(copy_image(&local, &remote, IMAGE, ("default", "far"), &|_| {})).unwrap();
    assert_eq!(remote.image_names().len(), 2);
}
