//! Volume sizes from the engine's `GET /system/df?type=volume`, read with a version-tolerant model of only the
//! fields needed: API ≤ 1.51 answers `Volumes: [{Name, UsageData: {Size, RefCount}}]`, API ≥ 1.52
//! `VolumeUsage: {Items: [...]}`. bollard 0.21's `Docker::df` models only the second form, so on an API 1.41
//! engine (Docker 20.10) it returns `Ok` with no volume at all (the `Volumes` list is silently dropped): see the
//! test below. bollard keeps its raw-request functions private, so the request is sent through a clone of the
//! client whose request modifier turns the one request it makes (a `GET` that returns the body as bytes) into
//! `GET /v<negotiated>/system/df?type=volume&verbose=true` on the same connection (unix, TCP+TLS or SSH alike),
//! and the body is parsed here. The sizes are the engine's own measure, so they work for a remote engine.

use bollard::Docker;
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::{OpError, OpErrorKind, VolumeUsage};

/// The query: `type` (API ≥ 1.42) limits the work to volumes, `verbose` (API ≥ 1.52) lists each one; an older
/// engine ignores both and answers the whole `df`.
const DF_QUERY: &str = "/system/df?type=volume&verbose=true";

/// The stand-in request bollard builds, rewritten by the modifier: its path starts with this.
const STAND_IN: &str = "/containers/dockmaster-df-stand-in/export";

#[derive(Deserialize)]
struct Df {
    #[serde(rename = "Volumes")]
    volumes: Option<Vec<DfVolume>>,
    #[serde(rename = "VolumeUsage")]
    volume_usage: Option<DfVolumeUsage>,
}

#[derive(Deserialize)]
struct DfVolumeUsage {
    #[serde(rename = "Items")]
    items: Option<Vec<DfVolume>>,
}

#[derive(Deserialize)]
struct DfVolume {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "UsageData")]
    usage: Option<DfUsage>,
}

#[derive(Deserialize)]
struct DfUsage {
    #[serde(rename = "Size")]
    size: i64,
    #[serde(rename = "RefCount")]
    ref_count: i64,
}

/// The volumes of a `system df` answer of any API version; `-1` (not measured) becomes `None`.
pub(super) fn parse(body: &[u8]) -> Result<Vec<VolumeUsage>, OpError> {
    let df: Df = serde_json::from_slice(body).map_err(|e| {
        OpError::new(OpErrorKind::Failed, format!("the engine's disk usage answer could not be read: {e}"))
    })?;
    let list =
        match (df.volumes, df.volume_usage.and_then(|u| u.items)) {
            (Some(old), _) => old,
            (None, Some(new)) => new,
            (None, None) => return Err(OpError::new(
                OpErrorKind::Failed,
                "the engine's disk usage answer lists no volumes (neither `Volumes` nor `VolumeUsage.Items`)",
            )),
        };
    Ok(list
        .into_iter()
        .map(|v| VolumeUsage {
            name: v.name,
            size: v.usage.as_ref().and_then(|u| u64::try_from(u.size).ok()),
            ref_count: v.usage.as_ref().and_then(|u| u64::try_from(u.ref_count).ok()),
        })
        .collect())
}

/// The stand-in request's URI with its path and query replaced by the `df` query, keeping the scheme, the
/// host (for a unix socket: the encoded socket path) and the negotiated `/v1.xx` prefix.
fn df_uri(uri: &hyper::Uri) -> Option<hyper::Uri> {
    let path = uri.path();
    let prefix = &path[..path.find(STAND_IN)?];
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(format!("{prefix}{DF_QUERY}").parse().ok()?);
    hyper::Uri::from_parts(parts).ok()
}

/// Sends the `df` request on `docker`'s connection and returns its body.
pub(super) async fn request(docker: &Docker) -> Result<Vec<u8>, bollard::errors::Error> {
    let df = docker.clone().with_request_modifier(|mut req| {
        if let Some(uri) = df_uri(req.uri()) {
            *req.uri_mut() = uri;
        }
        req
    });
    let chunks: Vec<bytes::Bytes> = df.export_container("dockmaster-df-stand-in").try_collect().await?;
    Ok(chunks.concat())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// What Docker 20.10 (API 1.41) answered to `GET /v1.41/system/df?type=volume` (one volume, 0 bytes).
    const API_1_41: &str = r#"{"LayersSize":0,"Images":[],"Containers":[],"Volumes":[{"CreatedAt":"2026-12-06T14:02:01Z","Driver":"local","Labels":{"dockmaster.test":"h23probe"},"Mountpoint":"/tmp/dmeng-h23/data/volumes/h23probe/_data","Name":"h23probe","Options":null,"Scope":"local","UsageData":{"RefCount":0,"Size":0}}],"BuildCache":null,"BuilderSize":0}"#;

    #[test]
    fn bollard_0_21_drops_the_volumes_of_an_api_1_41_answer() {
        // Why this module exists: bollard's model reads only `VolumeUsage`, so the 1.41 list is lost.
        let theirs: bollard::models::SystemDataUsageResponse = serde_json::from_str(API_1_41).unwrap();
        assert!(theirs.volume_usage.is_none());
        let ours = parse(API_1_41.as_bytes()).unwrap();
        assert_eq!(ours, vec![VolumeUsage { name: "h23probe".into(), size: Some(0), ref_count: Some(0) }]);
    }

    #[test]
    fn reads_the_api_1_52_form_and_unmeasured_sizes() {
        let body = r#"{"VolumeUsage":{"ActiveCount":1,"TotalCount":2,"TotalSize":4096,"Reclaimable":0,"Items":[
            {"Name":"a","UsageData":{"Size":4096,"RefCount":1}},{"Name":"b","UsageData":{"Size":-1,"RefCount":-1}},
            {"Name":"c"}]}}"#;
        assert_eq!(
            parse(body.as_bytes()).unwrap(),
            vec![
                VolumeUsage { name: "a".into(), size: Some(4096), ref_count: Some(1) },
                VolumeUsage { name: "b".into(), size: None, ref_count: None },
                VolumeUsage { name: "c".into(), size: None, ref_count: None },
            ]
        );
    }

    #[test]
    fn an_answer_without_volumes_or_not_json_is_an_error_that_says_so() {
        let e = parse(br#"{"VolumeUsage":{"TotalSize":0}}"#).unwrap_err();
        assert!(e.message.contains("lists no volumes"), "{e}");
        let e = parse(b"<html>").unwrap_err();
        assert!(e.message.contains("could not be read"), "{e}");
    }

    #[test]
    fn the_stand_in_uri_becomes_the_df_query_on_the_same_host_and_version() {
        let uri: hyper::Uri =
            "unix://2f7661722f72756e2f646f636b65722e736f636b/v1.41/containers/dockmaster-df-stand-in/export"
                .parse()
                .unwrap();
        assert_eq!(
            df_uri(&uri).unwrap().to_string(),
            "unix://2f7661722f72756e2f646f636b65722e736f636b/v1.41/system/df?type=volume&verbose=true"
        );
        let other: hyper::Uri = "http://h:2375/v1.41/containers/x/json".parse().unwrap();
        assert!(df_uri(&other).is_none());
    }
}
