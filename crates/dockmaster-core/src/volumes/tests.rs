//! Unit tests of the volume rules: the project's volumes and their services, finding one, the typed
//! confirmation, and who else mounts a volume.

use super::*;
use crate::engine::ops::Labels;

const FILES: &str = "services:
  db:
    image: x
    volumes: [data:/data, shared:/shared]
  cache:
    image: x
    profiles: [later]
    volumes:
      - {type: volume, source: shared, target: /s}
      - ./here:/here
volumes:
  data: {}
  shared: {name: custom-shared}
  ext: {external: true}
";

fn model() -> ComposeModel {
    crate::project::test_model(FILES)
}

fn container(name: &str, labels: &[(&str, &str)], running: bool) -> ContainerSummary {
    ContainerSummary {
        id: format!("id-{name}"),
        name: name.into(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Labels>(),
        running,
        ports: Vec::new(),
    }
}

#[test]
fn the_declared_volumes_with_their_engine_names_and_the_services_mounting_them() {
    let list = project_volumes("p", &model());
    let got: Vec<(&str, &str, Vec<&str>, bool)> = list
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.declared_as.as_str(),
                v.services.iter().map(String::as_str).collect(),
                v.external,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("custom-shared", "shared", vec!["cache", "db"], false),
            ("ext", "ext", vec![], true),
            ("p_data", "data", vec!["db"], false),
        ]
    );
}

#[test]
fn a_volume_is_found_by_engine_name_or_key_else_the_error_lists_them() {
    let list = project_volumes("p", &model());
    assert_eq!(find(&list, "p_data").unwrap().declared_as, "data");
    assert_eq!(find(&list, "shared").unwrap().name, "custom-shared");
    let err = find(&list, "nope").unwrap_err();
    assert_eq!(err.code, ErrorCode::VolumeNotFound);
    assert!(err.message.contains("custom-shared, ext, p_data"), "{}", err.message);
    assert!(find(&[], "x").unwrap_err().message.contains("declare no named volume"));
}

#[test]
fn a_restore_needs_the_exact_name_typed() {
    assert!(confirmed("p_data", "p_data").is_ok());
    for typed in ["", "data", "P_DATA", "p_data "] {
        let err = confirmed("p_data", typed).unwrap_err();
        assert_eq!(err.code, ErrorCode::RestoreUnconfirmed, "{typed:?}");
        assert!(err.message.contains("--confirm p_data") && err.message.contains("nothing was changed"));
    }
}

#[test]
fn containers_outside_the_project_are_named_and_refused_helpers_are_ignored() {
    let ours = [(labels::COMPOSE_PROJECT, "p"), (labels::COMPOSE_SERVICE, "db")];
    let users = Users::split(
        "p",
        vec![
            container("p-db-1", &ours, true),
            container("p-db-old", &ours, false),
            container(
                "p-cache-1",
                &[(labels::COMPOSE_PROJECT, "p"), (labels::COMPOSE_SERVICE, "cache")],
                true,
            ),
            container("helper", &[(labels::HELPER, "p")], true),
            container("stranger", &[(labels::COMPOSE_PROJECT, "other")], false),
            container("hand-made", &[], true),
        ],
    );
    assert_eq!(users.running_services(), ["cache", "db"]);
    assert_eq!(users.ours.len(), 3);
    let err = users.refuse_foreign("p_data").unwrap_err();
    assert_eq!(err.code, ErrorCode::VolumeInUse);
    assert!(
        err.message.contains("`stranger` (stopped), `hand-made` (running)")
            && err.message.contains("nothing was changed"),
        "{}",
        err.message
    );
    assert!(Users::split("p", vec![container("p-db-1", &ours, true)]).refuse_foreign("p_data").is_ok());
}
