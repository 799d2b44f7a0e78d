//! The fake's image archives: `save` streams a small archive naming the image (in several chunks, so progress
//! can be counted), `load` reads one whole and only then adds the image, as the engine tags nothing from a
//! broken upload.

use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use super::{not_found, FakeEngine, Fault, Op, State};
use crate::engine::ops::{ImageInfo, ImageSummary, OpError, OpErrorKind, OpResult};

const MAGIC: &str = "fake-image-archive";
/// Padding that makes an archive several chunks long.
const BODY: usize = 3000;
const CHUNK: usize = 1024;

pub(super) fn list(s: &State) -> Vec<ImageSummary> {
    s.images
        .iter()
        .map(|(name, info)| ImageSummary { id: info.id.clone(), tags: vec![name.clone()] })
        .collect()
}

/// `MAGIC\nname\nid\n` and padding, in chunks; an injected fault breaks it after the first chunk.
pub(super) fn save(engine: &FakeEngine, name: &str) -> BoxStream<'static, OpResult<bytes::Bytes>> {
    let mut s = engine.lock();
    let n = {
        let count = s.calls.entry(Op::SaveImage).or_default();
        *count += 1;
        *count
    };
    let broken = s.faults.iter().any(|(o, k, f)| *o == Op::SaveImage && *k == n && *f == Fault::Refuse);
    let Some(info) = s.images.get(name) else {
        let e = not_found(format!("reference does not exist: {name}"));
        return futures_util::stream::iter([Err(e)]).boxed();
    };
    let mut archive = format!("{MAGIC}\n{name}\n{}\n", info.id).into_bytes();
    archive.resize(archive.len() + BODY, b'.');
    let mut items: Vec<OpResult<bytes::Bytes>> =
        archive.chunks(CHUNK).map(|c| Ok(bytes::Bytes::copy_from_slice(c))).collect();
    if broken {
        items.truncate(1);
        items.push(Err(OpError::new(OpErrorKind::Failed, "injected failure: the connection broke")));
    }
    futures_util::stream::iter(items).boxed()
}

/// Reads the whole archive; adds the image only when it arrived complete.
pub(super) async fn load(
    engine: &FakeEngine,
    mut archive: BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
) -> OpResult<()> {
    let mut data = Vec::new();
    while let Some(chunk) = archive.next().await {
        match chunk {
            Ok(c) => data.extend_from_slice(&c),
            Err(e) => return Err(OpError::new(OpErrorKind::Failed, format!("upload aborted: {e}"))),
        }
    }
    engine.run(Op::LoadImage, |s| {
        let text = String::from_utf8_lossy(&data);
        let mut lines = text.lines();
        let (Some(MAGIC), Some(name), Some(id)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(OpError::new(OpErrorKind::Failed, "unexpected EOF (HTTP 500)"));
        };
        if data.len() < format!("{MAGIC}\n{name}\n{id}\n").len() + BODY {
            return Err(OpError::new(OpErrorKind::Failed, "unexpected EOF (HTTP 500)"));
        }
        s.images.insert(name.to_string(), ImageInfo { id: id.to_string(), ..Default::default() });
        Ok(())
    })
}
