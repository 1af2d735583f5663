//! Timing bounds. Each names its goal and fails only at 3x it (a loaded 2-core machine makes a
//! good run slower, never a bad one good), and both the failure and the log say the goal and
//! the figure. Waits for a state (`WAIT`, deadlines in loops) are not goals: they only stop a
//! test that would otherwise hang.

use std::time::Duration;

/// Passes when `took` is under 3x `goal`; prints the figure beside the goal either way.
pub fn within_3x(what: &str, took: Duration, goal: Duration) {
    eprintln!("{what}: {took:?} (goal {goal:?}, fails at 3x)");
    assert!(
        took < goal * 3,
        "{what}: took {took:?}, goal {goal:?} (fails at 3x)"
    );
}
