//! A criterion measurement of the time the benchmark thread spends on a CPU.
//!
//! The machines these benches run on are shared: wall time there measures the neighbours
//! as much as the code. The thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`, nanosecond
//! resolution) does not count the time the thread waits for a core; where it is
//! unavailable, wall time is used. Throughputs are printed scaled (`Kelem/s`, `Melem/s`).

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};

/// Use with `Criterion::default().with_measurement(ThreadCpuTime)`.
pub struct ThreadCpuTime;

/// Nanoseconds this thread has spent on a CPU.
// The thread's CPU clock has no safe wrapper in std: it is read through libc's
// `clock_gettime`, an FFI call, so this one function may use `unsafe`.
#[allow(unsafe_code)]
#[cfg(unix)]
fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return wall_ns();
    }
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

#[cfg(not(unix))]
fn now_ns() -> u64 {
    wall_ns()
}

/// Wall nanoseconds since the first call.
fn wall_ns() -> u64 {
    // A bench measures elapsed real time; Orderly's clocks are not in its path.
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        now_ns()
    }
    fn end(&self, start: u64) -> u64 {
        now_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if ns < 1e3 {
            (1.0, "ns cpu")
        } else if ns < 1e6 {
            (1e-3, "µs cpu")
        } else if ns < 1e9 {
            (1e-6, "ms cpu")
        } else {
            (1e-9, "s cpu")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per = match *throughput {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n as f64,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => n as f64,
            Throughput::Bits(n) => n as f64,
        };
        let rate = per * 1e9 / typical;
        let (div, unit) = if rate < 1e3 {
            (1.0, " elem/s")
        } else if rate < 1e6 {
            (1e3, "Kelem/s")
        } else {
            (1e6, "Melem/s")
        };
        values.iter_mut().for_each(|v| *v = per * 1e9 / *v / div);
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_counts_work_and_not_sleep() {
        let start = ThreadCpuTime.start();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let slept = ThreadCpuTime.end(start);
        let start = ThreadCpuTime.start();
        let mut x = 0u64;
        // Busy for 50 ms of real time: what the CPU-time reading is checked against.
        let until = std::time::Instant::now() + std::time::Duration::from_millis(50);
        while std::time::Instant::now() < until {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let worked = ThreadCpuTime.end(start);
        assert!(worked > slept, "worked {worked} ns, slept {slept} ns");
        assert!(slept < 25_000_000, "a sleep counted {slept} ns of CPU");
    }
}
