//! The shipped systemd unit (`systemd/upsell-sync.service`) stays valid and hardened:
//!
//! - `systemd-analyze verify` has nothing to say about it (no output, exit 0). The
//!   unit starts `/usr/local/bin/upsell-sync`, which a build machine does not have, so
//!   verify checks a copy in a temporary directory whose `ExecStart=` program is the
//!   binary cargo just built; every other line is the shipped one.
//! - `systemd-analyze security --offline=true` on the shipped file itself rates its
//!   overall exposure at 1.5 or lower.
//! - It agrees with the config and the sample env file: the stop timeout leaves room
//!   for the daemon's graceful shutdown, and every secret the example config reads from
//!   the environment is in the sample env file.
//!
//! These tests need `systemd-analyze` (Debian: `apt-get install systemd`) and fail
//! without it rather than pass without checking anything.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The exposure level `systemd-analyze security` may report at most.
const MAX_EXPOSURE: f64 = 1.5;

/// The program the shipped unit starts.
const INSTALLED_BINARY: &str = "/usr/local/bin/upsell-sync";

fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    let path = repo_file(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn unit_path() -> PathBuf {
    repo_file("systemd/upsell-sync.service")
}

/// Runs `systemd-analyze` with `args`; a missing `systemd-analyze` fails the test
/// with what to install.
fn systemd_analyze(args: &[&std::ffi::OsStr]) -> Output {
    match Command::new("systemd-analyze").args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "systemd-analyze is not installed, so the systemd unit cannot be checked: \
             install systemd (Debian/Ubuntu: sudo apt-get install systemd) and run the tests again"
        ),
        Err(e) => panic!("running systemd-analyze: {e}"),
    }
}

fn describe(output: &Output) -> String {
    format!(
        "exit status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `Key=value` lines of the unit (comments and section headers left out).
fn directives(unit: &str) -> impl Iterator<Item = (&str, &str)> {
    unit.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with(['#', ';', '[']))
        .filter_map(|line| line.split_once('='))
}

/// The one value of `key` in the unit.
fn single_value<'a>(unit: &'a str, key: &str) -> &'a str {
    let values: Vec<&str> = directives(unit)
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        values.len(),
        1,
        "expected exactly one {key}= in the unit, found {values:?}"
    );
    values[0]
}

/// `path` as the program of an `ExecStart=` line: `%` escaped (systemd specifiers),
/// quoted when it holds whitespace.
fn exec_path(path: &str) -> String {
    assert!(
        !path.contains(['"', '\\']),
        "cannot put {path:?} in an ExecStart= line for the test"
    );
    let escaped = path.replace('%', "%%");
    if escaped.contains(char::is_whitespace) {
        format!("\"{escaped}\"")
    } else {
        escaped
    }
}

#[test]
fn unit_passes_systemd_analyze_verify() {
    let unit = read("systemd/upsell-sync.service");
    let exec_start = single_value(&unit, "ExecStart");
    let arguments = exec_start
        .strip_prefix(INSTALLED_BINARY)
        .filter(|rest| rest.starts_with(' '))
        .unwrap_or_else(|| {
            panic!("ExecStart= should start {INSTALLED_BINARY} (as the README installs it): {exec_start:?}")
        });
    let built = exec_path(env!("CARGO_BIN_EXE_upsell-sync"));
    let staged_unit = unit.replacen(
        &format!("ExecStart={exec_start}"),
        &format!("ExecStart={built}{arguments}"),
        1,
    );
    assert_ne!(staged_unit, unit, "the ExecStart= line was not rewritten");

    // The copy keeps the unit's name: verify derives the unit name from the file name.
    let dir = tempfile::Builder::new()
        .prefix("systemd-unit-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("creating a temporary directory");
    let staged_path = dir.path().join("upsell-sync.service");
    std::fs::write(&staged_path, staged_unit).expect("writing the staged unit");

    let output = systemd_analyze(&["verify".as_ref(), staged_path.as_os_str()]);
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "systemd-analyze verify is not clean on the unit (ExecStart= pointed at {built}):\n{}",
        describe(&output)
    );
}

#[test]
fn unit_exposure_level_is_low() {
    let output = systemd_analyze(&[
        "security".as_ref(),
        "--offline=true".as_ref(),
        unit_path().as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "systemd-analyze security failed:\n{}",
        describe(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let prefix = "Overall exposure level for upsell-sync.service:";
    let level: f64 = stdout
        .lines()
        .find_map(|line| line.split_once(prefix))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no \"{prefix} X.Y\" line in the output:\n{}",
                describe(&output)
            )
        });
    assert!(
        level <= MAX_EXPOSURE,
        "exposure level {level} is above {MAX_EXPOSURE}:\n{stdout}"
    );
}

/// Seconds in a systemd time span made of plain seconds ("20", "20s").
fn seconds(span: &str) -> u64 {
    span.trim_end_matches('s')
        .parse()
        .unwrap_or_else(|_| panic!("expected a time span in seconds, found {span:?}"))
}

#[test]
fn stop_timeout_leaves_room_for_graceful_shutdown() {
    let unit = read("systemd/upsell-sync.service");
    let stop = seconds(single_value(&unit, "TimeoutStopSec"));
    let config = read("config.example.toml");
    let shutdown: u64 = config
        .lines()
        .find_map(|line| line.trim().strip_prefix("# shutdown_timeout_seconds ="))
        .and_then(|value| value.trim().parse().ok())
        .expect("config.example.toml shows the default of shutdown_timeout_seconds");
    assert!(
        stop >= shutdown + 5,
        "TimeoutStopSec={stop} leaves too little room for a {shutdown} s graceful shutdown"
    );
    assert_eq!(single_value(&unit, "Type"), "notify");
}

#[test]
fn env_example_holds_every_secret_the_example_config_reads_from_the_environment() {
    let env_file = read("systemd/upsell-sync.env.example");
    let defined: Vec<&str> = env_file
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("not NAME=value in the env example: {line:?}"));
            assert!(!value.is_empty(), "{name} has no placeholder value");
            name
        })
        .collect();

    let config = read("config.example.toml");
    // `key = { env = "NAME" }`, commented out or not (the file's header explains the
    // syntax with a bare `{ env = "VARIABLE" }`, which this leaves out).
    let marker = "= { env = \"";
    let mut referenced: Vec<&str> = config
        .match_indices(marker)
        .filter_map(|(at, _)| config[at + marker.len()..].split('"').next())
        .collect();
    referenced.sort_unstable();
    referenced.dedup();
    assert!(
        referenced.len() >= 6,
        "expected the example config to name its secrets: {referenced:?}"
    );
    for name in referenced {
        assert!(
            defined.contains(&name),
            "config.example.toml reads {name} from the environment, but \
             systemd/upsell-sync.env.example does not list it"
        );
    }

    let unit = read("systemd/upsell-sync.service");
    assert_eq!(
        single_value(&unit, "EnvironmentFile"),
        "-/etc/upsell-sync/upsell-sync.env"
    );
}
