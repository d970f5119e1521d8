//! Running the built binary from the CLI tests as a merchant would: in a config
//! directory, with secrets in the environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `upsell-sync ARGS --config config.toml` in `dir` with `env` set, off the async
/// runtime (the simulated store it talks to runs on that runtime).
pub async fn run_with_config(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir: PathBuf = dir.to_owned();
    let mut all: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    all.extend(["--config".to_owned(), "config.toml".to_owned()]);
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_upsell-sync"))
            .args(&all)
            .current_dir(&dir)
            .env("RUST_LOG", "warn")
            .envs(env)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("the binary's thread")
}

/// Standard output and standard error as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
