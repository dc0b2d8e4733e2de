//! The data directory and the embedded database hold credentials, subjects, sealed keys and the
//! audit trail: only the node's own user may read them, whatever the umask. Created 0700 and
//! 0600; SQLite gives its `-wal` and `-shm` files the database file's mode.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `path` (and missing parents) readable by the node's user only; an existing directory
/// is left as it is.
pub fn create_dir(path: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// Creates an empty file at `path` readable by the node's user only, if there is none yet.
pub fn create_file(path: &Path) -> io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// A warning when others than the node's user may read or write `path`.
pub fn loosened(path: &Path) -> Option<String> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} is readable by other users (mode {:o}); restrict it with chmod {}",
            path.display(),
            mode & 0o777,
            if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
                "700"
            } else {
                "600"
            }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_private_and_loosening_is_noticed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        let file = dir.join("db");
        create_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(loosened(&file), None);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(loosened(&file).is_some_and(|w| w.contains("chmod 600")));
        create_file(&file).unwrap();
        assert_eq!(mode(&file), 0o644, "an existing file is left as it is");
    }
}
