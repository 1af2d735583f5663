//! Issue 20 item 1: the scanner rules shipped in `assets/scanners/`. Yelp's `detect-secrets`
//! (PyPI; `tests/run.sh` installs it in `target/detect-secrets-venv`) run with the shipped
//! plugin finds a planted token and not a look-alike (its CRC32 checked); the gitleaks rule's
//! pattern (gitleaks is not in Debian: its regex is checked with Python's `re`, the same
//! syntax for this pattern) matches the token's shape.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tokentab::model::token_format::{self, Shape};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv_bin(tool: &str) -> PathBuf {
    let bin = repo().join("target/detect-secrets-venv/bin").join(tool);
    assert!(
        bin.exists(),
        "{} is missing: run `bash tests/run.sh` (it makes the venv with `pip install \
         detect-secrets==1.5.0`)",
        bin.display()
    );
    bin
}

/// A real token, a look-alike (one character changed: the CRC fails), and one too short.
fn plant(dir: &Path) -> (String, String) {
    let real = token_format::encode(&[0x5a; 32]);
    let mut b = real.clone().into_bytes();
    b[30] = if b[30] == b'k' { b'm' } else { b'k' };
    let fake = String::from_utf8(b).unwrap();
    assert_eq!(token_format::shape(&fake), Shape::BadChecksum);
    std::fs::write(
        dir.join("config.env"),
        format!(
            "# deploy settings\nLOOKALIKE={fake}\nSHORT={}\nTOKENTAB_TOKEN={real}\n",
            &real[..50]
        ),
    )
    .unwrap();
    (real, fake)
}

#[test]
fn detect_secrets_with_the_plugin_finds_the_token_and_not_the_look_alike() {
    let ds = venv_bin("detect-secrets");
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    let plugin = repo().join("assets/scanners/tokentab_detector.py");
    let out = Command::new(ds)
        .args(["scan", "--all-files", "--plugin"])
        .arg(&plugin)
        .arg(".")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours: Vec<&Value> = v["results"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|f| f.as_array().unwrap())
        .filter(|r| r["type"] == "tokentab access token")
        .collect();
    assert_eq!(ours.len(), 1, "exactly the real token: {v}");
    assert_eq!(ours[0]["line_number"], 4, "the TOKENTAB_TOKEN line: {v}");
}

#[test]
fn the_gitleaks_rule_matches_the_token_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (real, fake) = plant(dir.path());
    let rules: toml::Table = toml::from_str(
        &std::fs::read_to_string(repo().join("assets/scanners/gitleaks.toml")).unwrap(),
    )
    .unwrap();
    let rule = &rules["rules"].as_array().unwrap()[0];
    let regex = rule["regex"].as_str().unwrap();
    let script = "import re,sys\n\
                  r=re.compile(sys.argv[1])\n\
                  for line in open(sys.argv[2]):\n    \
                      m=r.search(line)\n    \
                      print(m.group(1) if m else '-')\n";
    let out = Command::new("python3")
        .args(["-c", script, regex])
        .arg(dir.path().join("config.env"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    // gitleaks cannot check the CRC: the look-alike matches too (tokentab scan tells them apart).
    assert_eq!(lines, ["-", fake.as_str(), "-", real.as_str()]);
}
