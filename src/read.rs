//! Reading a policy's files: each table read, each rule file parsed and lowered, and the
//! policy's version hashed. With two cores or more and enough to read, the work is shared
//! with a second thread, started by the first such load and then parked for the next ones:
//! the work is cut into tasks (a table, a rule file or one of its two parts, the version),
//! largest first, and each thread takes the next task left until none is. The calling
//! thread never waits for the other to start or wake (a new thread may start hundreds of
//! microseconds late, as long as a large table takes to read): it waits only for the tasks
//! the other took. The results are the same as one thread's, in the same order.

use crate::ast::File;
use crate::diag::Diagnostic;
use crate::dsl::{self, Part};
use crate::span::Source;
use crate::tables;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

/// One source file as read: a table, or a rule file with the warnings of its text.
#[derive(Debug)]
pub(crate) enum Read {
    Table(Result<tables::Table, Vec<Diagnostic>>),
    Rules(Vec<Diagnostic>, Result<File, Vec<Diagnostic>>),
}

/// Source `i` read whole.
fn read(i: usize, src: &Source) -> Read {
    if tables::is_table_file(&src.name) {
        Read::Table(tables::load_table(i, src))
    } else {
        Read::Rules(dsl::bidi_warnings(i, src), dsl::parse_file(i, src))
    }
}

/// Below this much work (bytes of tables, and three times the bytes of rule files, which
/// take about three times as long a byte), one thread reads everything: starting another
/// costs more than it saves.
const SHARED_WORK: usize = 16 * 1024;

/// Every source read, in order, and the policy's [`version`]; `sources` are given back.
pub(crate) fn read_all(sources: Vec<Source>) -> (Vec<Source>, Vec<Read>, String) {
    let work: usize = (0..sources.len())
        .map(|i| Task::Whole(i).weight(&sources))
        .sum();
    if work < SHARED_WORK || cores() < 2 {
        let all = (sources.iter().enumerate())
            .map(|(i, s)| read(i, s))
            .collect();
        let version = version(&sources);
        return (sources, all, version);
    }
    let board = Arc::new(Board {
        sources,
        plan: OnceLock::new(),
        next: AtomicUsize::new(0),
        finished: Mutex::new(0),
        all_finished: Condvar::new(),
    });
    // offered first, while the work is cut into tasks: the helper may take longer to wake
    // or start than that (without it, busy or none to be had, this thread does it all)
    let _ = Helper::offer(&board);
    let tasks = tasks(&board.sources);
    let done = tasks.iter().map(|_| Mutex::new(None)).collect();
    let plan = board.plan.get_or_init(|| Plan { tasks, done });
    board.work(false);
    board.wait(plan.tasks.len());
    board.results()
}

/// The cores this process may use, asked once: asking reads the cgroup's files (tens of
/// microseconds, the time of a small policy's whole load).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The second thread: started by the first load that shares its work, then parked between
/// loads for the next one. Waking a parked thread takes microseconds; starting a thread on a
/// virtual machine can take as long as a small policy's whole load.
struct Helper {
    /// The board offered, until the helper takes it.
    offered: Mutex<Option<Arc<Board>>>,
    wake: Condvar,
    /// Whether the helper is waiting for a board (none offered, none in hand).
    idle: AtomicBool,
}

impl Helper {
    /// Offers `board` to the helper, started now if it never was; not when it is busy with
    /// another load's (that load's thread could not count on it), nor when no thread can be
    /// started: then the calling thread does all the work. Whether the helper took it.
    fn offer(board: &Arc<Board>) -> bool {
        static HELPER: OnceLock<Option<&'static Helper>> = OnceLock::new();
        let helper = HELPER.get_or_init(|| {
            let helper: &'static Helper = Box::leak(Box::new(Helper {
                offered: Mutex::new(None),
                wake: Condvar::new(),
                idle: AtomicBool::new(true),
            }));
            std::thread::Builder::new()
                .name("docket-load".into())
                .spawn(move || helper.serve())
                .ok()
                .map(|_| helper)
        });
        let Some(helper) = helper else {
            return false;
        };
        if !helper.idle.swap(false, Ordering::AcqRel) {
            return false;
        }
        *lock(&helper.offered) = Some(Arc::clone(board));
        helper.wake.notify_one();
        true
    }

    /// Takes each board offered and works on it (what its tasks gave, even a panic, is on
    /// the board: the helper itself never ends).
    fn serve(&self) {
        loop {
            let board = {
                let mut offered = lock(&self.offered);
                loop {
                    match offered.take() {
                        Some(board) => break board,
                        None => {
                            offered = self
                                .wake
                                .wait(offered)
                                .unwrap_or_else(PoisonError::into_inner)
                        }
                    }
                }
            };
            board.work(true);
            // let go first: the loading thread takes its sources back from the board
            drop(board);
            self.idle.store(true, Ordering::Release);
        }
    }
}

/// One piece of the work of reading a policy.
#[derive(Clone, Copy)]
enum Task {
    /// Source `.0` read whole.
    Whole(usize),
    /// Part of rule file `.0`, cut at [`dsl::cut_point`].
    Part(usize, Part),
    Version,
}

impl Task {
    /// About how long the task takes, in bytes of tables.
    fn weight(self, sources: &[Source]) -> usize {
        let rules = |n: usize| n * 3;
        match self {
            Task::Whole(i) => sources
                .get(i)
                .map_or(0, |s| match tables::is_table_file(&s.name) {
                    true => s.text.len(),
                    false => rules(s.text.len()),
                }),
            Task::Part(_, Part::Before(cut)) => rules(cut),
            Task::Part(i, Part::From(cut)) => rules(
                sources
                    .get(i)
                    .map_or(0, |s| s.text.len().saturating_sub(cut)),
            ),
            Task::Version => 0,
        }
    }

    fn run(self, sources: &[Source]) -> Done {
        match self {
            Task::Whole(i) => Done::Read(read(i, &sources[i])),
            Task::Part(i, part) => Done::Part(dsl::parse_part(i, &sources[i], part)),
            Task::Version => Done::Version(version(sources)),
        }
    }
}

/// The tasks of reading `sources`, largest first: each source whole, but a rule file large
/// enough to cut ([`dsl::cut_point`]) in two parts; then the version.
fn tasks(sources: &[Source]) -> Vec<Task> {
    let mut tasks = Vec::with_capacity(sources.len() + 2);
    for (i, s) in sources.iter().enumerate() {
        let cut = (!tables::is_table_file(&s.name))
            .then(|| dsl::cut_point(&s.text))
            .flatten();
        match cut {
            Some(cut) => tasks.extend([
                Task::Part(i, Part::Before(cut)),
                Task::Part(i, Part::From(cut)),
            ]),
            None => tasks.push(Task::Whole(i)),
        }
    }
    tasks.sort_by_key(|t| std::cmp::Reverse(t.weight(sources)));
    tasks.push(Task::Version);
    tasks
}

/// What a task gave.
enum Done {
    Read(Read),
    /// A part's declarations, `None` if it did not parse.
    Part(Option<File>),
    Version(String),
    /// The other thread's task panicked: the calling thread runs it again (and so panics
    /// itself, as a load on one thread would).
    Panicked,
}

/// The sources, their tasks, what each gave, and how many are done.
struct Board {
    sources: Vec<Source>,
    /// Set once the calling thread has cut the work into tasks.
    plan: OnceLock<Plan>,
    /// The next task to take.
    next: AtomicUsize,
    finished: Mutex<usize>,
    all_finished: Condvar,
}

/// The tasks, and what each gave.
struct Plan {
    tasks: Vec<Task>,
    done: Vec<Mutex<Option<Done>>>,
}

/// The lock, whatever happened to another holder (each value is written whole).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Board {
    /// Takes the tasks left, one after another, until none is. `helping`: this is the
    /// second thread, whose panic is caught (the calling thread would wait for it forever).
    fn work(&self, helping: bool) {
        let Plan { tasks, done: slots } = self.plan.wait();
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(task) = tasks.get(i) else {
                return;
            };
            let done = match helping {
                true => catch_unwind(AssertUnwindSafe(|| task.run(&self.sources)))
                    .unwrap_or(Done::Panicked),
                false => task.run(&self.sources),
            };
            if let Some(slot) = slots.get(i) {
                *lock(slot) = Some(done);
            }
            let mut finished = lock(&self.finished);
            *finished += 1;
            if *finished == tasks.len() {
                self.all_finished.notify_all();
            }
        }
    }

    /// Until all `tasks` are done (those the other thread took, if it started).
    fn wait(&self, tasks: usize) {
        let mut finished = lock(&self.finished);
        while *finished < tasks {
            finished = self
                .all_finished
                .wait(finished)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The sources back, each read, and the version: a file cut in two is whole again, or
    /// parsed again whole when a part did not parse (for its errors).
    fn results(self: Arc<Self>) -> (Vec<Source>, Vec<Read>, String) {
        let sources = &self.sources;
        let mut reads: Vec<Option<Read>> = sources.iter().map(|_| None).collect();
        let mut parts: Vec<[Option<Option<File>>; 2]> =
            sources.iter().map(|_| [None, None]).collect();
        let mut version = None;
        let (tasks, slots) = match self.plan.get() {
            Some(plan) => (&plan.tasks[..], &plan.done[..]),
            None => (&[][..], &[][..]),
        };
        for (task, slot) in tasks.iter().zip(slots) {
            let done = match lock(slot).take() {
                Some(Done::Panicked) | None => task.run(sources),
                Some(done) => done,
            };
            match (task, done) {
                (Task::Whole(i), Done::Read(r)) => reads[*i] = Some(r),
                (Task::Part(i, part), Done::Part(file)) => {
                    let which = usize::from(matches!(part, Part::From(_)));
                    parts[*i][which] = Some(file);
                }
                (_, Done::Version(v)) => version = Some(v),
                _ => {}
            }
        }
        let mut all = Vec::with_capacity(sources.len());
        for (i, (read_whole, parts)) in reads.into_iter().zip(parts).enumerate() {
            let r = match (read_whole, parts) {
                (Some(r), _) => r,
                (None, [Some(Some(mut file)), Some(Some(rest))]) => {
                    file.append(rest);
                    Read::Rules(dsl::bidi_warnings(i, &sources[i]), Ok(file))
                }
                (None, _) => read(i, &sources[i]),
            };
            all.push(r);
        }
        let version = version.unwrap_or_else(|| self::version(sources));
        // the other thread may still hold the board, about to end
        let sources = match Arc::try_unwrap(self) {
            Ok(board) => board.sources,
            Err(shared) => shared.sources.clone(),
        };
        (sources, all, version)
    }
}

/// A SHA-256 of a policy's files (base names and texts, in order), in hex: stable across
/// builds and machines, so a store can tell the policy that decided each event.
fn version(sources: &[Source]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for s in sources {
        let name = s.name.rsplit(['/', '\\']).next().unwrap_or(&s.name);
        for part in [name, &s.text] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files of each shipped policy (each folder of `rules/`).
    fn shipped() -> Vec<Vec<Source>> {
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut dirs: Vec<_> = (std::fs::read_dir(rules).expect("rules/").flatten())
            .map(|d| d.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        (dirs.iter())
            .map(|dir| {
                (crate::policy_files(dir).expect("the policy's files").iter())
                    .map(|p| {
                        let text = std::fs::read_to_string(p).expect("a policy file");
                        Source::new(p.display().to_string(), text)
                    })
                    .collect()
            })
            .collect()
    }

    /// `sources` read by one thread, file after file.
    fn one_by_one(sources: &[Source]) -> (Vec<Read>, String) {
        let all = sources
            .iter()
            .enumerate()
            .map(|(i, s)| read(i, s))
            .collect();
        (all, version(sources))
    }

    /// `sources` with `what` inserted into source `file` at the line after byte `at`.
    fn broken(sources: &[Source], file: usize, at: usize, what: &str) -> Vec<Source> {
        let mut sources = sources.to_vec();
        let text = &mut sources[file].text;
        let line = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |n| at + n + 1);
        text.insert_str(line, what);
        sources
    }

    #[test]
    fn the_helper_does_the_work_it_takes_load_after_load() {
        let policy = shipped().into_iter().next().expect("a shipped policy");
        let (alone, version_alone) = one_by_one(&policy);
        for _ in 0..3 {
            let board = Arc::new(Board {
                sources: policy.clone(),
                plan: OnceLock::new(),
                next: AtomicUsize::new(0),
                finished: Mutex::new(0),
                all_finished: Condvar::new(),
            });
            // the helper may be busy with another test's load: offered until it takes it
            let started = std::time::Instant::now();
            while !Helper::offer(&board) {
                assert!(
                    started.elapsed().as_secs() < 20,
                    "the helper never came back"
                );
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let tasks = tasks(&board.sources);
            let done = tasks.iter().map(|_| Mutex::new(None)).collect();
            let n = board.plan.get_or_init(|| Plan { tasks, done }).tasks.len();
            // this thread takes none: every task is the helper's
            while *lock(&board.finished) < n {
                assert!(started.elapsed().as_secs() < 20, "the helper took no task");
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let (back, read, version) = board.results();
            assert_eq!(back.len(), policy.len());
            assert_eq!(format!("{read:?}"), format!("{alone:?}"));
            assert_eq!(version, version_alone);
        }
    }

    #[test]
    fn two_threads_read_what_one_reads() {
        let mut cases = Vec::new();
        let mut cut_files = 0;
        for policy in shipped() {
            // each rule file large enough to cut, with a syntax error before the cut, after
            // it and at it
            for (file, src) in policy.iter().enumerate() {
                let Some(cut) = dsl::cut_point(&src.text) else {
                    continue;
                };
                cut_files += 1;
                let after = cut + (src.text.len() - cut) / 2;
                cases.push(broken(&policy, file, cut / 3, "on nothing {\n"));
                cases.push(broken(&policy, file, after, "rule r when { }\n"));
                cases.push(broken(&policy, file, cut, "deadline d =\n"));
            }
            // its largest table broken
            let largest = (policy.iter().enumerate())
                .filter(|(_, s)| tables::is_table_file(&s.name))
                .max_by_key(|(_, s)| s.text.len())
                .map(|(i, _)| i);
            if let Some(table) = largest {
                let mut bad = policy.clone();
                bad[table].text.push_str("\n  oops: [\n");
                cases.push(bad);
            }
            cases.push(policy);
        }
        assert!(cut_files >= 2, "{cut_files} rule files cut");
        for sources in cases {
            let (alone, version_alone) = one_by_one(&sources);
            let (back, shared, version_shared) = read_all(sources.clone());
            let texts = |s: &[Source]| {
                s.iter()
                    .map(|s| (s.name.clone(), s.text.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(texts(&back), texts(&sources));
            assert_eq!(format!("{shared:?}"), format!("{alone:?}"));
            assert_eq!(version_shared, version_alone);
        }
    }
}
