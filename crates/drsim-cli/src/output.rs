//! Where the command's output goes, written so that nothing is lost or corrupted: stdout that
//! may be closed, files written atomically under unique temporary names and fsynced, an
//! advisory lock per output path, and the checks made on every output path before a run.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::CliError;

/// Most worker threads `--threads` accepts, per available core.
pub const THREADS_PER_CORE: usize = 8;

/// Checks `--threads`: at least 1, at most [`THREADS_PER_CORE`] × the available cores.
pub fn check_threads(threads: Option<usize>) -> Result<Option<usize>, CliError> {
    let Some(t) = threads else { return Ok(None) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = THREADS_PER_CORE * cores;
    if t == 0 {
        return Err(CliError::BadInput("--threads 0 is not allowed (must be >= 1)".into()));
    }
    if t > max {
        return Err(CliError::BadInput(format!(
            "--threads {t} is not allowed (at most {max}: {THREADS_PER_CORE} per available core, {cores} cores)"
        )));
    }
    Ok(Some(t))
}

/// Maps a write error on stdout: a closed pipe is [`CliError::BrokenPipe`] (a quiet exit),
/// anything else an error naming stdout.
pub fn stdout_err(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Other(format!("stdout: cannot write: {e}"))
    }
}

/// Writes `text` to stdout and flushes it, returning errors instead of panicking as
/// `println!` does.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(stdout_err)
}

/// The first failure writing human-readable text to stdout, if any.
static CONSOLE_FAILURE: std::sync::Mutex<Option<CliError>> = std::sync::Mutex::new(None);

/// Prints human-readable text on stdout, for output that must not stop the work when stdout
/// goes away: the first failure is remembered, later text is dropped, and [`console_finish`]
/// reports it once the files have been written. (the crate's `println!` comes here: lib.rs.)
pub fn console_print(text: &str) {
    let mut failed = CONSOLE_FAILURE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if failed.is_none()
        && let Err(e) = print(text)
    {
        *failed = Some(e);
    }
}

/// The first failure of [`console_print`], if any: [`CliError::BrokenPipe`] for a closed pipe.
pub fn console_finish() -> Result<(), CliError> {
    CONSOLE_FAILURE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take().map_or(Ok(()), Err)
}

/// A temporary sibling of `path` unique to this process and call:
/// `NAME.<pid>.<nonce>.tmp` in the same directory (so the rename into place is atomic).
pub fn unique_tmp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let nonce = (u64::from(nanos) << 16) ^ COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}.{nonce:x}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Whether `tmp` is a temporary sibling of `path` as [`unique_tmp_path`] names them (or the
/// `PATH.tmp` of earlier versions).
pub fn is_tmp_of(tmp: &Path, path: &Path) -> bool {
    let (Some(name), Some(tname)) =
        (path.file_name().and_then(|n| n.to_str()), tmp.file_name().and_then(|n| n.to_str()))
    else {
        return false;
    };
    tmp.parent() == path.parent()
        && tname.strip_prefix(name).is_some_and(|rest| rest.starts_with('.') && rest.ends_with(".tmp"))
}

/// Creates a new temporary file for `path` (never one that exists).
pub fn create_tmp(path: &Path) -> Result<(PathBuf, File), CliError> {
    loop {
        let tmp = unique_tmp_path(path);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(CliError::Other(format!("{}: cannot write: {e}", tmp.display()))),
        }
    }
}

/// Flushes the directory holding `path` to disk, so that a rename into it survives a crash.
pub fn sync_dir(path: &Path) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CliError::Other(format!("{}: cannot sync the directory: {e}", dir.display())))
}

/// Renames the finished temporary file `tmp` onto `path` (after syncing it) and syncs the
/// directory.
pub fn commit(tmp: &Path, file: &File, path: &Path) -> Result<(), CliError> {
    let cannot = |e: std::io::Error| CliError::Other(format!("{}: cannot write: {e}", path.display()));
    file.sync_all().map_err(cannot)?;
    std::fs::rename(tmp, path).map_err(cannot)?;
    sync_dir(path)
}

/// Writes `text` to `path` atomically (a unique temporary sibling, synced, renamed into place,
/// the directory synced), or to stdout for `-`: an interrupted or failing run never leaves a
/// truncated file under the final name, and two runs never write into the same temporary.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), CliError> {
    if path.as_os_str() == "-" {
        return print(text);
    }
    let (tmp, mut file) = create_tmp(path)?;
    let result = file
        .write_all(text.as_bytes())
        .map_err(|e| CliError::Other(format!("{}: cannot write: {e}", tmp.display())))
        .and_then(|()| commit(&tmp, &file, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads at most `drsim::scenario::MAX_SCENARIO_BYTES` (64 MiB) of `path` (a scenario,
/// checkpoint or shard report); a larger file is refused (exit code 2).
pub fn read_capped(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    drsim::scenario::read_capped(path)
        .map_err(|e| CliError::BadInput(format!("{}: cannot read {what}: {e}", path.display())))
}

/// An exclusive advisory lock (`flock`) on `PATH.lock`, held while this process writes `PATH`;
/// a second drsim writing the same path is refused instead of corrupting it. The lock file is
/// removed when the lock is dropped; the kernel releases the lock if the process dies.
pub struct OutputLock {
    path: PathBuf,
    _file: File,
}

impl OutputLock {
    /// Takes the lock for writing `output`, or refuses (exit code 2) if another process holds it.
    pub fn take(output: &Path) -> Result<OutputLock, CliError> {
        let mut name = output.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".lock");
        let path = output.with_file_name(name);
        loop {
            let cannot = |e: std::io::Error| CliError::Other(format!("{}: cannot lock: {e}", path.display()));
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(cannot)?;
            if !flock_exclusive(&file).map_err(cannot)? {
                return Err(CliError::BadInput(format!(
                    "{}: another drsim process is writing this file (it holds {}); wait for it or choose another path",
                    output.display(),
                    path.display()
                )));
            }
            // The holder before us may have removed the lock file after we opened it: the lock
            // counts only if the path still names the file we locked.
            if same_inode(&file, &path) {
                return Ok(OutputLock { path, _file: file });
            }
        }
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked; the lock goes with the file handle right after.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn flock_exclusive(file: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor this `File` owns and keeps open for the call.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock { Ok(false) } else { Err(e) }
}

#[cfg(not(unix))]
fn flock_exclusive(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(unix)]
fn same_inode(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// A path's identity for clash checks: the canonical path of an existing file, else the
/// canonical parent joined with the file name.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
}

#[cfg(unix)]
fn same_existing_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_existing_file(_a: &Path, _b: &Path) -> bool {
    false
}

/// Checks a command's outputs before any work: at most one on stdout (`-`), no two naming the
/// same file, none naming an input, and each in an existing, writable directory and not a
/// directory itself. `outputs` are (flag, path); `inputs` are (what, path). Exit code 2.
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<(), CliError> {
    let bad = |m: String| Err(CliError::BadInput(m));
    let on_stdout: Vec<&str> = outputs.iter().filter(|(_, p)| p.as_os_str() == "-").map(|(f, _)| *f).collect();
    if on_stdout.len() > 1 {
        return bad(format!("{} write to stdout (-): at most one output may go to stdout", on_stdout.join(", ")));
    }
    let files: Vec<(&str, &Path)> = outputs.iter().filter(|(_, p)| p.as_os_str() != "-").copied().collect();
    for (i, (flag, path)) in files.iter().enumerate() {
        if path.as_os_str().is_empty() || path.file_name().is_none() {
            return bad(format!("{flag} {:?}: not a file name", path.display().to_string()));
        }
        if path.is_dir() {
            return bad(format!("{flag} {}: is a directory", path.display()));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return bad(format!("{flag} {}: the directory {} does not exist", path.display(), dir.display()));
        }
        // Writable: create and remove a probe file where the temporary file will go.
        match create_tmp(path) {
            Ok((tmp, f)) => {
                drop(f);
                let _ = std::fs::remove_file(tmp);
            }
            Err(_) => {
                return bad(format!("{flag} {}: the directory {} is not writable", path.display(), dir.display()));
            }
        }
        let me = identity(path);
        for (other_flag, other) in &files[i + 1..] {
            if me.is_some() && me == identity(other) || same_existing_file(path, other) {
                return bad(format!(
                    "{flag} and {other_flag} both write {}: give each output its own file",
                    path.display()
                ));
            }
        }
        for (what, input) in inputs {
            if me.is_some() && me == identity(input) || same_existing_file(path, input) {
                return bad(format!("{flag} {}: is the {what}; writing it would destroy the input", path.display()));
            }
        }
    }
    Ok(())
}
