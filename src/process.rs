//! This process and the programs it runs: who it runs as, where a PATH sends it, and one runner
//! for child programs (`doctor`'s probes, `verify`'s `docker` commands, the tests' runs).
//!
//! The shim's own `docker` face never spawns anything (it execs); everything here serves the
//! CLI face and the tests, where a runtime that hangs must cost a message, not the whole run.
//! A child is killed when it outlives its deadline or when the caller cancels it, and how it
//! ended is said in words ("exit 3", "killed by SIGKILL", "timed out after 20s"), never as
//! Rust's debug text.

use std::ffi::OsStr;
use std::fmt;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

// SAFETY: the C library's `geteuid(2)` and `getegid(2)`, declared with their C signatures; they
// take nothing, touch no memory of ours and cannot fail.
#[allow(unsafe_code)]
unsafe extern "C" {
    fn geteuid() -> u32;
    fn getegid() -> u32;
}

/// The effective uid. Asked of the kernel directly: reading it as the owner of `/proc/self`
/// cost a `docker` call about 2.6 µs, the first look into `/proc` of a new process.
pub fn euid() -> u32 {
    // SAFETY: see the declaration.
    #[allow(unsafe_code)]
    unsafe {
        geteuid()
    }
}

/// The effective gid, read as [`euid`] is.
pub fn egid() -> u32 {
    // SAFETY: see the declaration.
    #[allow(unsafe_code)]
    unsafe {
        getegid()
    }
}

/// The directories of a PATH value in order; an empty entry means the current directory, as
/// for `execvp`.
pub fn path_dirs(path: &OsStr) -> Vec<PathBuf> {
    std::env::split_paths(path)
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d
            }
        })
        .collect()
}

/// How a child program ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this status.
    Exited(i32),
    /// A signal ended it.
    Signalled(i32),
    /// It outlived its deadline and was killed.
    TimedOut(Duration),
    /// The caller cancelled it (verify was interrupted) and it was killed.
    Cancelled,
    /// It could not be started or waited for; the text says why.
    Failed(String),
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Exited(c) => write!(f, "exit {c}"),
            Ending::Signalled(s) => match signal_name(*s) {
                Some(name) => write!(f, "killed by {name}"),
                None => write!(f, "killed by signal {s}"),
            },
            Ending::TimedOut(d) if d.subsec_millis() == 0 => write!(f, "timed out after {}s", d.as_secs()),
            Ending::TimedOut(d) => write!(f, "timed out after {}ms", d.as_millis()),
            Ending::Cancelled => f.write_str("interrupted"),
            Ending::Failed(why) => f.write_str(why),
        }
    }
}

fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}

/// What a finished (or abandoned) child did: how it ended and what it printed (lossily decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub ending: Ending,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// An output for a child that never ran.
    pub fn failed(why: impl Into<String>) -> Output {
        Output {
            ending: Ending::Failed(why.into()),
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    /// The exit status, when it exited.
    pub fn code(&self) -> Option<i32> {
        match self.ending {
            Ending::Exited(c) => Some(c),
            _ => None,
        }
    }

    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.code() == Some(0)
    }

    /// Whether it was killed for outliving its deadline.
    pub fn timed_out(&self) -> bool {
        matches!(self.ending, Ending::TimedOut(_))
    }

    /// How it ended and the last three non-blank lines of stderr, for a failure message.
    pub fn describe(&self) -> String {
        let status = self.ending.to_string();
        if let Ending::Failed(_) | Ending::Cancelled = self.ending {
            return status;
        }
        let tail: Vec<&str> = self.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(3)..].join("\n");
        if tail.is_empty() {
            status
        } else {
            format!("{status}: {tail}")
        }
    }
}

/// Spawns `cmd` with `stdin` piped in (or /dev/null) and its output captured, then waits as
/// [`wait`] does. A program that cannot be started is an [`Ending::Failed`] that names it.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration, cancel: &dyn Fn() -> bool) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    match cmd.spawn() {
        Ok(child) => wait(child, stdin.map(<[u8]>::to_vec), timeout, cancel),
        Err(e) => Output::failed(format!("cannot start {}: {e}", shown(cmd.get_program()))),
    }
}

/// The name a message uses for a program: its file name.
fn shown(program: &OsStr) -> String {
    let p = Path::new(program);
    p.file_name().unwrap_or(program).to_string_lossy().into_owned()
}

/// Waits for a spawned child, feeding it `stdin` and collecting its output; kills it (it is
/// our own child) when it outlives `timeout` or when `cancel` says so.
pub fn wait(
    mut child: Child,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
    cancel: &dyn Fn() -> bool,
) -> Output {
    let writer = child.stdin.take().map(|mut w| {
        let data = stdin.unwrap_or_default();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
        })
    });
    // Each pipe is read on its own thread, which hands the bytes over a channel: a killed child
    // may leave a grandchild holding the pipe open, and then the bytes are not waited for.
    let reader = |r: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = mpsc::channel();
        if let Some(mut r) = r {
            std::thread::spawn(move || {
                let mut b = Vec::new();
                let _ = r.read_to_end(&mut b);
                let _ = tx.send(b);
            });
        }
        rx
    };
    let out = reader(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let kill = |child: &mut Child, ending: Ending| {
        let _ = child.kill();
        let _ = child.wait();
        ending
    };
    let ending = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                break match (status.code(), status.signal()) {
                    (Some(c), _) => Ending::Exited(c),
                    (None, Some(s)) => Ending::Signalled(s),
                    (None, None) => Ending::Failed("ended without a status".into()),
                };
            }
            Ok(None) if cancel() => break kill(&mut child, Ending::Cancelled),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => break kill(&mut child, Ending::TimedOut(timeout)),
            Err(e) => break Ending::Failed(format!("cannot wait for {}: {e}", child.id())),
        }
    };
    let killed = matches!(ending, Ending::Cancelled | Ending::TimedOut(_));
    if let Some(w) = writer {
        if !killed {
            let _ = w.join();
        }
    }
    let grace = if killed {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(3600)
    };
    let text = |rx: mpsc::Receiver<Vec<u8>>| {
        rx.recv_timeout(grace)
            .map(|b| crate::text::owned(&b))
            .unwrap_or_default()
    };
    Output {
        ending,
        stdout: text(out),
        stderr: text(err),
    }
}

/// Never cancels: for callers with nothing to interrupt them but the deadline.
pub fn never() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, stdin: Option<&[u8]>, timeout: Duration) -> Output {
        run(
            Command::new("/bin/sh").args(["-c", script]),
            stdin,
            timeout,
            &never,
        )
    }

    #[test]
    fn exit_status_output_and_stdin() {
        let o = sh("cat; echo err >&2; exit 3", Some(b"in"), Duration::from_secs(20));
        assert_eq!(o.ending, Ending::Exited(3));
        assert_eq!((o.stdout.as_str(), o.stderr.as_str()), ("in", "err\n"));
        assert_eq!(o.describe(), "exit 3: err");
        assert!(!o.success());
        assert!(sh("true", None, Duration::from_secs(20)).success());
    }

    #[test]
    fn signals_timeouts_and_failures_in_words() {
        let o = sh("kill -9 $$", None, Duration::from_secs(20));
        assert_eq!(o.ending, Ending::Signalled(9));
        assert_eq!(o.describe(), "killed by SIGKILL");
        let o = sh("sleep 30", None, Duration::from_millis(200));
        assert!(o.timed_out());
        assert_eq!(o.describe(), "timed out after 200ms");
        let o = run(
            &mut Command::new("/nonexistent/prog"),
            None,
            Duration::from_secs(1),
            &never,
        );
        assert!(
            o.describe().starts_with("cannot start prog: "),
            "{}",
            o.describe()
        );
        let o = run(
            Command::new("/bin/sh").args(["-c", "sleep 30"]),
            None,
            Duration::from_secs(20),
            &|| true,
        );
        assert_eq!(o.ending, Ending::Cancelled);
        assert_eq!(Ending::Signalled(64).to_string(), "killed by signal 64");
    }

    #[test]
    fn path_dirs_keep_order_and_empty_means_cwd() {
        let dirs = path_dirs(OsStr::new("/a::/b/"));
        assert_eq!(
            dirs,
            [PathBuf::from("/a"), PathBuf::from("."), PathBuf::from("/b/")]
        );
    }
}
