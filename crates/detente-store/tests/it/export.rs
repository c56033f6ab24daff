//! Exports: every stored number is independent of the thread count (byte-equal exports), and
//! the CSV holds what the database holds.

use detente_store::{COLUMNS, Store};
use detente_tournament::Shard;

use crate::util::{Dir, run_into, tournament};

#[test]
fn exports_are_byte_equal_at_one_and_two_threads() {
    let dir = Dir::new();
    let t = tournament(9);
    let one = dir.file("one.db");
    let two = dir.file("two.db");
    run_into(&t, &one, 1, Shard::ALL);
    run_into(&t, &two, 2, Shard::ALL);
    let (c1, c2) = (dir.file("one.csv"), dir.file("two.csv"));
    let n1 = Store::open_read_only(&one)
        .unwrap()
        .export_csv(&c1)
        .unwrap();
    let n2 = Store::open_read_only(&two)
        .unwrap()
        .export_csv(&c2)
        .unwrap();
    assert_eq!((n1, n2), (192, 192));
    let (b1, b2) = (std::fs::read(&c1).unwrap(), std::fs::read(&c2).unwrap());
    assert!(b1 == b2, "CSV exports differ between 1 and 2 threads");
    // Traces too: every table, row by row, in key order.
    for (table, order) in [
        ("negotiations", "id"),
        ("participants", "negotiation_id, position"),
        ("events", "negotiation_id, step"),
        ("scenarios", "scenario_idx"),
        ("parties", "scenario_idx, party_idx"),
        ("tournament", "id"),
    ] {
        let dump = |path: &std::path::Path| -> Vec<Vec<String>> {
            let conn = rusqlite::Connection::open(path).unwrap();
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
                .unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        let (d1, d2) = (dump(&one), dump(&two));
        assert!(!d1.is_empty(), "{table} is empty");
        assert_eq!(d1, d2, "table {table} differs between 1 and 2 threads");
    }
}

#[test]
fn the_csv_has_the_documented_columns_and_every_seat() {
    let dir = Dir::new();
    let db = dir.file("results.db");
    run_into(&tournament(4), &db, 2, Shard::ALL);
    let out = dir.file("results.csv");
    Store::open_read_only(&db)
        .unwrap()
        .export_csv(&out)
        .unwrap();
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 192);
    // Rows are ordered by negotiation, then seat, and the first is negotiation 0, seat 0:
    // boulware against itself on the unrotated scenario.
    let first: Vec<&str> = rows[0].iter().map(String::as_str).collect();
    assert_eq!(first[..6], ["0", "0", "haggle", "0", "0", "0"]);
    assert_eq!(first[7..12], ["0", "0", "boulware", "0", "buyer"]);
    let second: Vec<&str> = rows[1].iter().map(String::as_str).collect();
    assert_eq!(second[7..12], ["1", "0", "boulware", "1", "seller"]);
    let mut agreements = 0;
    for pair in rows.chunks(2) {
        assert_eq!(pair[0][0], pair[1][0]);
        let welfare: f64 = pair[0][19].parse().unwrap();
        let sum: f64 = pair[0][12].parse::<f64>().unwrap() + pair[1][12].parse::<f64>().unwrap();
        assert!((welfare - sum).abs() < 1e-12);
        if pair[0][16] == "1" {
            agreements += 1;
            assert!(pair[0][17].starts_with('[') && pair[0][17].contains(','));
        }
    }
    assert!(agreements > 0);
    assert!(!dir.file("results.csv.partial").exists());
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_says_so() {
    let dir = Dir::new();
    let db = dir.file("results.db");
    run_into(&tournament(4), &db, 1, Shard::ALL);
    let e = Store::open_read_only(&db)
        .unwrap()
        .export_parquet(&dir.file("out.parquet"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "this build of detente has no parquet support (rebuild with the `parquet` feature)"
    );
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_export_writes_every_row() {
    let dir = Dir::new();
    let db = dir.file("results.db");
    run_into(&tournament(4), &db, 1, Shard::ALL);
    let out = dir.file("out.parquet");
    let n = Store::open_read_only(&db)
        .unwrap()
        .export_parquet(&out)
        .unwrap();
    assert_eq!(n, 192);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.num_rows(), 192);
    let names: Vec<&str> = meta
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name())
        .collect();
    assert_eq!(names, COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>());
}

#[cfg(unix)]
#[test]
fn an_export_over_its_own_database_is_refused_through_any_link() {
    let dir = Dir::new();
    let db = dir.file("r.db");
    run_into(&tournament(3), &db, 1, Shard::ALL);
    let before = std::fs::read(&db).unwrap();
    let sym = dir.file("sym.csv");
    std::os::unix::fs::symlink(&db, &sym).unwrap();
    let hard = dir.file("hard.csv");
    std::fs::hard_link(&db, &hard).unwrap();
    let store = Store::open_read_only(&db).unwrap();
    for out in [db.clone(), sym, hard, dir.file("./r.db")] {
        let err = store.export_csv(&out).expect_err("must refuse");
        assert!(
            matches!(err.kind(), detente_store::ErrorKind::ExportOverInput { .. }),
            "{out:?}: {err}"
        );
        let _ = store.export_parquet(&out).expect_err("must refuse");
    }
    drop(store);
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the database changed"
    );
}
