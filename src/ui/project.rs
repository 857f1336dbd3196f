//! The project file (`.promolab`, JSON): which data files, the scenario being edited and those
//! saved for comparison, the optimizer's budget and offers, the Models tab's model folder and the
//! plan settings. Paths inside the project's folder are stored relative to it, so a project
//! folder can be moved or shared as a whole.

use crate::sim::Scenario;
use crate::sim::optimize::OffersFile;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const PROJECT_VERSION: u32 = 1;
pub const EXTENSION: &str = "promolab";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub version: u32,
    pub data_files: Vec<PathBuf>,
    pub scenario: Scenario,
    #[serde(default)]
    pub saved_scenarios: Vec<Scenario>,
    pub budget: f64,
    pub offers: OffersFile,
    /// A model folder saved from the Models tab, reloaded on open.
    #[serde(default)]
    pub model_dir: Option<PathBuf>,
    #[serde(default)]
    pub plan_template: String,
    #[serde(default)]
    pub send_time: String,
    #[serde(default)]
    pub export_path: String,
    /// Custom customer segments from the Customers tab.
    #[serde(default)]
    pub segments: Vec<crate::sim::segments::CustomSegment>,
    /// Column mappings chosen in the Data tab's editor, per data file.
    #[serde(default)]
    pub mappings: Vec<FileMapping>,
}

/// The column mapping of one data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMapping {
    pub file: PathBuf,
    pub mapping: crate::data::Mapping,
}

fn relative_to(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Writes `p` to `path` atomically.
pub fn save(p: &Project, path: &Path) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut p = p.clone();
    let rel = |q: &Path| relative_to(&std::fs::canonicalize(q).unwrap_or(q.to_path_buf()), &dir);
    p.data_files = p.data_files.iter().map(|f| rel(f)).collect();
    p.model_dir = p.model_dir.as_deref().map(rel);
    for m in &mut p.mappings {
        m.file = rel(&m.file);
    }
    let text = serde_json::to_string_pretty(&p).map_err(|e| e.to_string())?;
    crate::util::write_atomic(path, text.as_bytes())
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Reads a project; relative paths are resolved against the project's folder.
pub fn open(path: &Path) -> Result<Project, String> {
    let mut p: Project = crate::util::read_json(path)?;
    if p.version != PROJECT_VERSION {
        return Err(format!(
            "{}: project version {} is not supported (this promolab reads version {PROJECT_VERSION})",
            path.display(),
            p.version
        ));
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let abs = |q: &Path| {
        if q.is_absolute() {
            q.to_path_buf()
        } else {
            dir.join(q)
        }
    };
    p.data_files = p.data_files.iter().map(|f| abs(f)).collect();
    p.model_dir = p.model_dir.as_deref().map(abs);
    for m in &mut p.mappings {
        m.file = abs(&m.file);
    }
    Ok(p)
}

/// `path` with the project extension (added when missing).
pub fn with_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_some_and(|e| e == EXTENSION) {
        path
    } else {
        let mut s = path.into_os_string();
        s.push(".");
        s.push(EXTENSION);
        PathBuf::from(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_open_gives_the_same_project_with_paths_relative_in_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let dir = std::fs::canonicalize(&dir).unwrap();
        std::fs::write(dir.join("data/customers.csv"), "customer_id\n1\n").unwrap();
        let mut s = Scenario::new("ten", crate::sim::Offer::PctDiscount { pct: 10.0 });
        s.targeting.top_share = 0.4;
        let p = Project {
            version: PROJECT_VERSION,
            data_files: vec![
                dir.join("data/customers.csv"),
                PathBuf::from("/elsewhere/x.csv"),
            ],
            scenario: s.clone(),
            saved_scenarios: vec![s],
            budget: 12_345.0,
            offers: OffersFile::standard(),
            model_dir: None,
            plan_template: "Hi {name}".into(),
            send_time: "2026-12-01 10:00".into(),
            export_path: "plan.csv".into(),
            segments: vec![crate::sim::segments::CustomSegment {
                name: "recent".into(),
                filters: vec![crate::sim::scenario::Filter {
                    feature: "recency_days".into(),
                    op: crate::sim::scenario::Op::Le,
                    value: 30.0,
                }],
            }],
            mappings: vec![FileMapping {
                file: dir.join("data/customers.csv"),
                mapping: crate::data::Mapping {
                    kind: Some(crate::data::TableKind::Customers),
                    columns: [("customer_id".to_string(), "Kunde".to_string())].into(),
                },
            }],
        };
        let path = with_extension(dir.join("spring"));
        save(&p, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"data/customers.csv\""), "{text}");
        assert!(!text.contains(&dir.display().to_string()), "{text}");
        assert_eq!(open(&path).unwrap(), p);
        // Unknown fields and other versions are refused with the file named.
        std::fs::write(&path, text.replace("\"version\": 1", "\"version\": 9")).unwrap();
        let e = open(&path).unwrap_err();
        assert!(
            e.contains("spring.promolab") && e.contains("version 9"),
            "{e}"
        );
        std::fs::write(&path, text.replace("\"budget\"", "\"budgett\"")).unwrap();
        let e = open(&path).unwrap_err();
        assert!(e.contains("line") && e.contains("budgett"), "{e}");
    }
}
