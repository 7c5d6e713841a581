// A Rust program whose profile is known by construction, for Pyrometer's real-recording corpus
// (Tests/Fixtures/real/rust-generics*, scripts/make-real-corpus.sh).
//
// Each round spends about
//   45%  in accumulate::<f64>   } one generic function, #[inline(never)], monomorphized twice
//   34%  in accumulate::<u64>   }
//    7%  in fill_inputs
//    7%  in shuffle_keys
//    7%  in count_bits
// Each part's thread CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID) through libc, no crates) is printed to
// stderr as `phase NAME SECONDS`.
// Usage: generics [CPU_SECONDS]   (default 0.5: rounds of ~100 ms run until the timed parts used that much CPU)
use std::hint::black_box;

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}
extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

fn cpu_seconds(clock: i32) -> f64 {
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { clock_gettime(clock, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

trait Sample: Copy {
    fn zero() -> Self;
    fn step(self, x: Self) -> Self;
}
impl Sample for f64 {
    fn zero() -> Self { 0.0 }
    fn step(self, x: Self) -> Self { self * 0.999 + x }          // a dependent multiply-add per element
}
impl Sample for u64 {
    fn zero() -> Self { 0 }
    fn step(self, x: Self) -> Self { (self ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15) }   // a dependent multiply
}

// The generic function: one symbol per type (legacy mangling: same path, different hash; v0: `accumulate::<f64>`).
#[inline(never)]
fn accumulate<T: Sample>(data: &[T]) -> T {
    let mut s = T::zero();
    for &x in data {
        s = s.step(x);
    }
    s
}

#[inline(never)]
fn fill_inputs(floats: &mut [f64], ints: &mut [u64], passes: usize) {
    let mut x: u64 = 88172645463325252;
    for _ in 0..passes {
        for i in 0..floats.len() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            floats[i] = (x & 0xffff) as f64 * 1e-3;
            ints[i] = x;
        }
    }
}

#[inline(never)]
fn shuffle_keys(keys: &mut [u32], passes: usize) -> u32 {
    let mut x: u32 = 2463534242;
    for _ in 0..passes {
        for i in (1..keys.len()).rev() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let j = (x as usize) % (i + 1);
            keys.swap(i, j);
        }
    }
    keys[0]
}

#[inline(never)]
fn count_bits(ints: &[u64], passes: usize) -> u64 {
    let mut c: u64 = 0;
    for p in 0..passes {
        for &v in ints {
            c = c.rotate_left(5) ^ (v.wrapping_add(p as u64)).count_ones() as u64;
        }
    }
    c
}

// Calls per round, chosen for the shares above. Rounds are long (~100 ms) so that periodic sampling does not alias
// with them (see inline_helper.c).
const F64_CALLS: usize = 6650;
const U64_CALLS: usize = 7450;
const FILL_PASSES: usize = 1000;
const SHUFFLE_PASSES: usize = 740;
const COUNT_PASSES: usize = 1100;

fn main() {
    let budget: f64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(0.5);
    let mut floats = vec![0f64; 4096];
    let mut ints = vec![0u64; 4096];
    let mut keys: Vec<u32> = (0..4096).collect();
    let names = ["accumulate::<f64>", "accumulate::<u64>", "fill_inputs", "shuffle_keys", "count_bits"];
    let mut phase = [0f64; 5];
    let (mut acc_f, mut acc_u, mut other) = (0f64, 0u64, 0u64);
    while phase.iter().sum::<f64>() < budget {
        let t0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        fill_inputs(&mut floats, &mut ints, FILL_PASSES);
        let t1 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        for k in 0..F64_CALLS {
            acc_f += accumulate(black_box(&floats[k & 7..]));
        }
        let t2 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        for k in 0..U64_CALLS {
            acc_u ^= accumulate(black_box(&ints[k & 7..]));
        }
        let t3 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        other ^= shuffle_keys(&mut keys, SHUFFLE_PASSES) as u64;
        let t4 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        other ^= count_bits(&ints, COUNT_PASSES);
        let t5 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        phase[2] += t1 - t0;
        phase[0] += t2 - t1;
        phase[1] += t3 - t2;
        phase[3] += t4 - t3;
        phase[4] += t5 - t4;
    }
    for (name, seconds) in names.iter().zip(phase.iter()) {
        eprintln!("phase {} {:.6}", name, seconds);
    }
    eprintln!("total process {:.6}", cpu_seconds(CLOCK_PROCESS_CPUTIME_ID));
    println!("{} {} {}", acc_f, acc_u, other);
}
