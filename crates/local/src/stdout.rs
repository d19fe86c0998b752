//! How `orderly` ends when the reader of its stdout goes away (`orderly demo | head`): as
//! Unix tools do, killed by SIGPIPE at its next write, silently; the shell reports status
//! 141 (128 + SIGPIPE).
//!
//! Rust programs start with SIGPIPE ignored, so a write to a closed pipe fails with EPIPE
//! instead, and `println!` panics on it. Most commands restore the default action once, at
//! start ([`end_on_closed_pipe`]): every write, whatever makes it, then ends the command
//! the way `cat` or `seq` end. `orderly serve` cannot: a client that closes its socket
//! would kill the server through its own socket writes, which also raise SIGPIPE. It keeps
//! SIGPIPE ignored and writes its stdout through [`line`], which ends it the same way.

use std::io::{ErrorKind, Write};

/// Lets SIGPIPE end the process, as it ends Unix tools.
pub fn end_on_closed_pipe() {
    set_sigpipe(libc::SIG_DFL);
}

/// Keeps SIGPIPE from ending the process (Rust's own start-up choice), for a process whose
/// sockets may be closed by their peers: a write then fails with EPIPE.
pub fn survive_closed_pipe() {
    set_sigpipe(libc::SIG_IGN);
}

/// Writes `text` and a newline to stdout; if its reader has gone, ends the process as
/// SIGPIPE does. Other write errors (a full disk) are not the reader leaving, and are
/// ignored as `let _ = writeln!` would.
pub fn line(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.write_all(b"\n"))
        && e.kind() == ErrorKind::BrokenPipe
    {
        closed();
    }
}

/// Ends the process by SIGPIPE, as a write to the closed pipe would have with the
/// default action.
fn closed() -> ! {
    end_on_closed_pipe();
    // SIGPIPE's default action ends the whole process, whichever thread raises it.
    raise_sigpipe();
    // Not reached: raise returns only once the signal was handled, and its action is to
    // end the process. The status a shell would have shown, should it ever be.
    std::process::exit(128 + libc::SIGPIPE)
}

// Setting a signal's action and raising a signal have no safe wrapper in std: they are
// libc's `signal` and `raise`, FFI calls, so these two functions may use `unsafe`.
#[allow(unsafe_code)]
fn set_sigpipe(action: libc::sighandler_t) {
    // SAFETY: SIG_DFL and SIG_IGN are valid actions for SIGPIPE, and the call changes no
    // memory of this process.
    unsafe {
        libc::signal(libc::SIGPIPE, action);
    }
}

#[allow(unsafe_code)]
fn raise_sigpipe() {
    // SAFETY: raising a signal touches no memory of this process.
    unsafe {
        libc::raise(libc::SIGPIPE);
    }
}
