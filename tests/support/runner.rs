//! Running properties reproducibly: a fixed seed unless `PROPTEST_RNG_SEED` says otherwise, no
//! failure-persistence files, case counts scaled by `support::scale` (a fifth locally, in full
//! under CI or with `DOCKET_PROPTEST_SCALE=1`).

use super::script::{Script, Step};
use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config, RngSeed, TestCaseError, TestCaseResult, TestError, TestRunner,
};
use std::fmt::Debug;
use std::panic::AssertUnwindSafe;

/// The seed every property starts from when `PROPTEST_RNG_SEED` is not set (mixed with the
/// property's name, so that properties do not all see the same scripts).
const DEFAULT_SEED: u64 = 20_261_128;

/// The number of cases for a property whose full count is `default`: `PROPTEST_CASES` if set,
/// else `default` scaled as [`super::scale::scale`] says (a fifth in a plain local run, all of
/// them under CI or with `DOCKET_PROPTEST_SCALE=1`).
pub fn cases(default: u32) -> u32 {
    if let Some(n) = env_u32("PROPTEST_CASES") {
        return n;
    }
    super::scale::scaled(default)
}

fn env_u32(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

/// The seed of the property `name`.
pub fn seed(name: &str) -> u64 {
    let base = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    // FNV-1a: stable across builds and platforms, unlike `DefaultHasher`.
    name.bytes().fold(base ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The configuration of the property `name` with `default` cases.
pub fn config(name: &str, default: u32) -> Config {
    Config {
        cases: cases(default),
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed(name)),
        // Shrinking a long stream runs it many times: bound it, the first shrinks matter most.
        max_shrink_iters: 4096,
        max_shrink_time: 120_000,
        ..Config::default()
    }
}

/// An input whose script can be cut down further after proptest's shrinking.
pub trait Trim: Clone {
    /// The steps of its script.
    fn steps(&mut self) -> &mut Vec<Step>;
}

impl Trim for Script {
    fn steps(&mut self) -> &mut Vec<Step> {
        &mut self.steps
    }
}

impl<A: Clone> Trim for (Script, A) {
    fn steps(&mut self) -> &mut Vec<Step> {
        &mut self.0.steps
    }
}

impl<A: Clone, B: Clone> Trim for (Script, A, B) {
    fn steps(&mut self) -> &mut Vec<Step> {
        &mut self.0.steps
    }
}

/// Why `input` fails `test` (a panic counts, as it does for proptest), or `None`.
fn failure<T>(input: T, test: &impl Fn(T) -> TestCaseResult) -> Option<String> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| test(input))) {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(panic) => Some(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .map_or_else(|| "a panic".into(), |m| format!("a panic: {m}")),
        ),
    }
}

/// Removes steps from a failing input as long as it still fails. Proptest deletes steps in
/// one pass before simplifying them; once simplified, more of them can often go.
fn trim<T: Trim>(mut input: T, test: &impl Fn(T) -> TestCaseResult) -> T {
    let mut budget = 2000;
    loop {
        let mut changed = false;
        let mut i = input.steps().len();
        while i > 0 && budget > 0 {
            i -= 1;
            budget -= 1;
            let mut candidate = input.clone();
            candidate.steps().remove(i);
            if failure(candidate.clone(), test).is_some() {
                input = candidate;
                changed = true;
            }
        }
        if !changed || budget == 0 {
            return input;
        }
    }
}

/// Runs the property `name`; on failure, the minimal failing input found and why it fails.
pub fn run<S>(
    name: &str,
    default_cases: u32,
    strategy: &S,
    test: impl Fn(S::Value) -> TestCaseResult,
) -> Result<(), (String, S::Value)>
where
    S: Strategy,
    S::Value: Trim,
{
    run_with(config(name, default_cases), strategy, test)
}

/// [`run`] with a configuration of its own.
pub fn run_with<S>(
    config: Config,
    strategy: &S,
    test: impl Fn(S::Value) -> TestCaseResult,
) -> Result<(), (String, S::Value)>
where
    S: Strategy,
    S::Value: Trim,
{
    match TestRunner::new(config).run(strategy, &test) {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, input)) => {
            let input = trim(input, &test);
            let reason = failure(input.clone(), &test)
                .unwrap_or_else(|| format!("(flaky: the trimmed input passes) {reason}"));
            Err((reason, input))
        }
        Err(TestError::Abort(reason)) => panic!("the property aborted: {reason}"),
    }
}

/// Runs the property `name`; panics with the minimal failing input when it fails.
pub fn check<S>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> TestCaseResult,
) where
    S: Strategy,
    S::Value: Trim + Debug,
{
    if let Err((reason, input)) = run(name, default_cases, &strategy, test) {
        panic!(
            "property `{name}` fails (seed {}, cases {}).\n{reason}\n\nminimal failing input:\n{input:?}",
            seed(name),
            cases(default_cases)
        );
    }
}

/// A failure of a property, with a message.
pub fn fail(message: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(message.into())
}
