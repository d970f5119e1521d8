//! The per-install secret salt that customer ids are hashed with
//! ([`InstallSalt`](crate::model::InstallSalt)). It lives in its own file, not in sled, so
//! it can be backed up and permissioned on its own: 64 hex characters and a newline,
//! mode 0600. Losing it changes every customer hash, so it is created once, atomically,
//! and never rewritten.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::rngs::OsRng;
use rand::RngCore;

use super::error::StoreError;
use crate::model::InstallSalt;

/// Salt length in bytes.
const SALT_LEN: usize = 32;

/// Reads the salt at `path`, or creates it (and its directory) with fresh random bytes if
/// the file does not exist. A file that is not a salt is an error naming the path; its
/// content is never shown.
pub fn load_or_create_salt(path: &Path) -> Result<InstallSalt, StoreError> {
    match read_salt(path) {
        Err(StoreError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            create_salt(path)
        }
        other => other,
    }
}

fn read_salt(path: &Path) -> Result<InstallSalt, StoreError> {
    let io_err = |source| StoreError::Io {
        action: "read the salt file",
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mode = file.metadata().map_err(io_err)?.mode();
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", mode & 0o777),
            "the salt file is readable by other users; run chmod 600 on it"
        );
    }
    // A salt file is 64 or 66 bytes; read a little more so longer files are refused.
    let mut bytes = Vec::with_capacity(80);
    file.take(80).read_to_end(&mut bytes).map_err(io_err)?;
    parse_salt(&bytes).ok_or_else(|| StoreError::MalformedSalt {
        path: path.to_owned(),
    })
}

/// 64 hex characters, optionally followed by `\n` or `\r\n`.
fn parse_salt(bytes: &[u8]) -> Option<InstallSalt> {
    let text = bytes
        .strip_suffix(b"\r\n")
        .or_else(|| bytes.strip_suffix(b"\n"))
        .unwrap_or(bytes);
    let mut salt = [0u8; SALT_LEN];
    hex::decode_to_slice(text, &mut salt).ok()?;
    Some(InstallSalt(salt))
}

/// Writes a fresh salt to a private temporary file, then hard-links it into place, so
/// the salt file never exists half-written. If another process created the salt in the
/// meantime, that one is read and used.
fn create_salt(path: &Path) -> Result<InstallSalt, StoreError> {
    let io_err = |action, path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Io {
            action,
            path,
            source,
        }
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        fs::create_dir_all(dir).map_err(io_err("create the directory", dir))?;
    }
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);

    let tmp = temp_path(path);
    let written = write_private(&tmp, format!("{}\n", hex::encode(salt)).as_bytes());
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    // Best effort: a leftover temporary file holds a salt nobody uses.
    fs::remove_file(&tmp).ok();
    match linked {
        Ok(()) => {
            if let Some(dir) = dir {
                // Best effort: make the new directory entry durable.
                File::open(dir).and_then(|d| d.sync_all()).ok();
            }
            Ok(InstallSalt(salt))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read_salt(path),
        Err(e) => Err(io_err("create the salt file", path)(e)),
    }
}

/// Creates (or truncates) `path` with mode 0600 and writes `content` durably.
fn write_private(path: &Path, content: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // `mode` applies only when the file is created; a leftover file keeps its own.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(content)?;
    file.sync_all()
}

/// `.{file name}.tmp-{pid}` beside `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "salt".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salt_is_created_private_and_reused_on_the_next_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/deeper/salt");
        let first = load_or_create_salt(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let content = fs::read_to_string(&path).unwrap();
        assert_eq!(content.len(), 65);
        assert!(content.ends_with('\n'));
        assert_eq!(load_or_create_salt(&path).unwrap(), first);
        // No temporary file is left behind.
        let entries = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1);
    }

    #[test]
    fn fresh_salts_differ() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_salt(&dir.path().join("a")).unwrap();
        let b = load_or_create_salt(&dir.path().join("b")).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn an_existing_salt_is_read_with_or_without_a_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("salt");
        let hex = "ab".repeat(32);
        for content in [hex.clone(), format!("{hex}\n"), format!("{hex}\r\n")] {
            fs::write(&path, &content).unwrap();
            assert_eq!(load_or_create_salt(&path).unwrap(), InstallSalt([0xab; 32]));
        }
    }

    #[test]
    fn a_malformed_salt_file_is_an_error_naming_the_path_but_not_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("salt");
        let secretish = "zz".repeat(32);
        for content in [secretish.as_str(), "abcd", "", &"ab".repeat(40)] {
            fs::write(&path, content).unwrap();
            let err = load_or_create_salt(&path).unwrap_err();
            assert!(matches!(err, StoreError::MalformedSalt { .. }), "{err}");
            let message = err.to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(!message.contains("zzzz"), "{message}");
        }
        // The malformed file is left alone for the operator to inspect.
        assert_eq!(fs::read_to_string(&path).unwrap(), "ab".repeat(40));
    }
}
