//! Kills a writer process with SIGKILL mid-crawl and checks that every item it acknowledged survived.
//!
//! The writer is this test binary re-run with a filter that selects only [`crash_child_writer`], which does
//! nothing unless [`CHILD_ENV`] names a dataset; that keeps the test self-contained, with no helper binary.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::{new_item, plugin};
use crate::store::{Dataset, NewFile};

const CHILD_ENV: &str = "AIGC_STORE_CRASH_CHILD_DATASET";
const ACKS_BEFORE_KILL: usize = 50;

/// Big enough that a kill often lands while a blob is being written, not only between items.
fn payload(i: usize) -> Vec<u8> {
    (0..48 * 1024).map(|j| (i.wrapping_mul(31) ^ j) as u8).collect()
}

fn crash_item(i: usize) -> crate::store::NewItem {
    let files = vec![
        NewFile { name: "data.bin".into(), media_type: "application/octet-stream".into(), data: payload(i) },
        // The same bytes for every item, to crash inside the deduplicating path too.
        NewFile { name: "shared.txt".into(), media_type: "text/plain".into(), data: b"shared".to_vec() },
    ];
    new_item(&format!("crash-{i}"), Some("crash"), files)
}

/// The writer half: stores items forever, printing each id only after `put_item` has returned.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return };
    let ds = Dataset::create_or_open(Path::new(&dir)).unwrap();
    let run = ds.begin_run(&plugin(), "run", "{}").unwrap();
    let mut stdout = std::io::stdout().lock();
    for i in 0.. {
        let outcome = ds.put_item(Some(run), &crash_item(i)).unwrap();
        writeln!(stdout, "ACK {i} {}", outcome.id).unwrap();
        stdout.flush().unwrap();
    }
}

/// Kills the child if the test fails before it does, so no writer outlives the test run.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn acknowledged_items_survive_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ds");
    let stderr_path = tmp.path().join("child-stderr.txt");
    // Test names omit the crate name that `module_path!` starts with.
    let module = module_path!().split_once("::").map_or(module_path!(), |(_, rest)| rest);
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &format!("{module}::crash_child_writer"), "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());

    let mut acked: Vec<(usize, String)> = Vec::new();
    let mut line = String::new();
    let mut read_ack = |stdout: &mut BufReader<_>, acked: &mut Vec<_>| -> bool {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            return false;
        }
        // A line cut short by the kill is not a complete acknowledgement; ignore it.
        if let Some(ack) = line.strip_suffix('\n').and_then(|l| l.strip_prefix("ACK ")) {
            let (i, id) = ack.split_once(' ').unwrap();
            acked.push((i.parse().unwrap(), id.to_owned()));
        }
        true
    };
    while acked.len() < ACKS_BEFORE_KILL {
        if !read_ack(&mut stdout, &mut acked) {
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!("the writer stopped after {} acknowledgements; its stderr:\n{stderr}", acked.len());
        }
    }
    child.0.kill().unwrap(); // SIGKILL on Unix: no destructors, no flushing.
    child.0.wait().unwrap();
    // Ids printed between our last read and the kill were acknowledged too.
    while read_ack(&mut stdout, &mut acked) {}

    let ds = Dataset::open(&dir).unwrap();
    for (i, id) in &acked {
        let item = ds.get(id).unwrap().unwrap_or_else(|| panic!("acknowledged item {i} (`{id}`) is missing"));
        assert_eq!(item.source_key, format!("crash-{i}"));
        assert_eq!(ds.read_file(id, "data.bin").unwrap(), Some(payload(*i)), "item {i}");
    }
    // Every row that did commit, acknowledged or not, must point at intact blobs.
    let items = ds.items(None, None, u32::MAX).unwrap();
    assert!(
        items.len() >= acked.len() && items.len() <= acked.len() + 1,
        "{} rows for {} acks",
        items.len(),
        acked.len()
    );
    for item in &items {
        for file in &item.files {
            ds.read_file(&item.id, &file.name).unwrap().unwrap();
        }
    }
    let integrity: String = ds.conn().query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}
