//! Flat exports of the `results` view for pandas, polars and DuckDB: CSV, and Parquet with
//! the `parquet` feature.
//!
//! Both exports hold one row per participant of each negotiation (the "long" layout:
//! `df.groupby("strategy").utility.mean()` is the ANAC score), in negotiation id then position
//! order, with the columns of [`COLUMNS`]. Floats are written in Rust's shortest round-trip
//! form, so an export is byte-identical for identical results. The file is written next to
//! its destination and renamed into place, so a crash never leaves half an export under the
//! final name.
//!
//! Non-goals: exporting traces (query the `events` table), wide layouts.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;

use crate::Store;
use crate::error::{Error, ErrorKind};

/// How an export column is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// A signed integer.
    Int,
    /// An unsigned 64-bit integer stored as text in SQLite (seeds).
    U64,
    /// 0 or 1.
    Bool,
    /// A float.
    Real,
    /// Text.
    Text,
}

/// The export columns, in order (the `results` view's columns).
pub const COLUMNS: [(&str, ColumnKind); 27] = [
    ("negotiation_id", ColumnKind::Int),
    ("scenario_idx", ColumnKind::Int),
    ("scenario", ColumnKind::Text),
    ("assignment", ColumnKind::Int),
    ("rotation", ColumnKind::Int),
    ("rep", ColumnKind::Int),
    ("seed", ColumnKind::U64),
    ("position", ColumnKind::Int),
    ("strategy_idx", ColumnKind::Int),
    ("strategy", ColumnKind::Text),
    ("party_idx", ColumnKind::Int),
    ("party", ColumnKind::Text),
    ("utility", ColumnKind::Real),
    ("status", ColumnKind::Text),
    ("failure_kind", ColumnKind::Text),
    ("failure", ColumnKind::Text),
    ("agreement", ColumnKind::Bool),
    ("outcome", ColumnKind::Text),
    ("rounds", ColumnKind::Int),
    ("welfare", ColumnKind::Real),
    ("pareto_distance", ColumnKind::Real),
    ("nash_distance", ColumnKind::Real),
    ("individually_rational", ColumnKind::Bool),
    ("ended_by", ColumnKind::Int),
    ("mediator_idx", ColumnKind::Int),
    ("mediator", ColumnKind::Text),
    ("questions", ColumnKind::Int),
];

fn query() -> String {
    let cols: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
    format!(
        "SELECT {} FROM results ORDER BY negotiation_id, position",
        cols.join(", ")
    )
}

/// Writes to a sibling temporary file, then renames it over `out`.
fn staged(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    out.with_file_name(name)
}

/// Refuses an output that is the database itself (also through a symbolic or hard link), or
/// one of its SQLite sidecar files.
fn check_output(db: &Path, out: &Path) -> Result<(), Error> {
    let sidecar = |suffix: &str| {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    if crate::same_file(db, out)
        || crate::same_file(&sidecar("-wal"), out)
        || crate::same_file(&sidecar("-shm"), out)
        || crate::same_file(&sidecar("-journal"), out)
    {
        return Err(Error::new(ErrorKind::ExportOverInput {
            path: out.to_path_buf(),
        }));
    }
    Ok(())
}

fn export_error(out: &Path, detail: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Export {
        path: out.to_path_buf(),
        detail: detail.to_string(),
    })
}

impl Store {
    /// Writes the results as CSV to `out` (see the module docs) and returns the row count.
    ///
    /// # Errors
    /// When `out` is the database itself or one of its sidecar files (also through a link:
    /// [`ErrorKind::ExportOverInput`]), when the database holds no tournament, or on SQLite or
    /// file errors.
    pub fn export_csv(&self, out: &Path) -> Result<u64, Error> {
        check_output(&self.path, out)?;
        self.require_description()?;
        let tmp = staged(out);
        let result = self.write_csv(&tmp, out);
        match result {
            Ok(n) => {
                std::fs::rename(&tmp, out).map_err(Error::io(out))?;
                Ok(n)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    fn write_csv(&self, tmp: &Path, out: &Path) -> Result<u64, Error> {
        let mut w = csv::Writer::from_path(tmp).map_err(|e| export_error(out, e))?;
        w.write_record(COLUMNS.iter().map(|(n, _)| *n))
            .map_err(|e| export_error(out, e))?;
        let mut stmt = self
            .conn
            .prepare(&query())
            .map_err(Error::sqlite(&self.path))?;
        let mut rows = stmt.query([]).map_err(Error::sqlite(&self.path))?;
        let mut n = 0u64;
        let mut fields: Vec<String> = vec![String::new(); COLUMNS.len()];
        while let Some(r) = rows.next().map_err(Error::sqlite(&self.path))? {
            for (i, field) in fields.iter_mut().enumerate() {
                field.clear();
                match r.get_ref(i).map_err(Error::sqlite(&self.path))? {
                    ValueRef::Null => {}
                    ValueRef::Integer(x) => field.push_str(&x.to_string()),
                    ValueRef::Real(x) => field.push_str(&x.to_string()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        field.push_str(&String::from_utf8_lossy(t))
                    }
                }
            }
            w.write_record(&fields).map_err(|e| export_error(out, e))?;
            n += 1;
        }
        w.flush().map_err(Error::io(out))?;
        Ok(n)
    }

    /// Writes the results as Parquet (snappy) to `out` (see the module docs) and returns the
    /// row count. Integers are `Int64`, seeds `UInt64`, flags `Boolean`, floats `Float64`,
    /// text `Utf8`; every column is nullable.
    ///
    /// # Errors
    /// Always [`ErrorKind::NoParquet`] in builds without the `parquet` feature; otherwise as
    /// [`Store::export_csv`].
    pub fn export_parquet(&self, out: &Path) -> Result<u64, Error> {
        #[cfg(feature = "parquet")]
        {
            check_output(&self.path, out)?;
            self.require_description()?;
            let tmp = staged(out);
            match parquet_export::write(self, &tmp, out) {
                Ok(n) => {
                    std::fs::rename(&tmp, out).map_err(Error::io(out))?;
                    Ok(n)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            }
        }
        #[cfg(not(feature = "parquet"))]
        {
            let _ = out;
            Err(Error::new(ErrorKind::NoParquet))
        }
    }
}

#[cfg(feature = "parquet")]
mod parquet_export {
    //! The Parquet writer: batches of 65 536 rows become Arrow record batches.

    use std::path::Path;
    use std::sync::Arc;

    use arrow_array::builder::{
        BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, UInt64Builder,
    };
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use rusqlite::types::ValueRef;

    use super::{COLUMNS, ColumnKind, export_error, query};
    use crate::Store;
    use crate::error::Error;

    const BATCH: usize = 65_536;

    enum Builder {
        Int(Int64Builder),
        U64(UInt64Builder),
        Bool(BooleanBuilder),
        Real(Float64Builder),
        Text(StringBuilder),
    }

    impl Builder {
        fn new(kind: ColumnKind) -> Builder {
            match kind {
                ColumnKind::Int => Builder::Int(Int64Builder::new()),
                ColumnKind::U64 => Builder::U64(UInt64Builder::new()),
                ColumnKind::Bool => Builder::Bool(BooleanBuilder::new()),
                ColumnKind::Real => Builder::Real(Float64Builder::new()),
                ColumnKind::Text => Builder::Text(StringBuilder::new()),
            }
        }

        fn push(&mut self, v: ValueRef<'_>) -> Result<(), String> {
            match (self, v) {
                (Builder::Int(b), ValueRef::Null) => b.append_null(),
                (Builder::U64(b), ValueRef::Null) => b.append_null(),
                (Builder::Bool(b), ValueRef::Null) => b.append_null(),
                (Builder::Real(b), ValueRef::Null) => b.append_null(),
                (Builder::Text(b), ValueRef::Null) => b.append_null(),
                (Builder::Int(b), ValueRef::Integer(x)) => b.append_value(x),
                (Builder::Bool(b), ValueRef::Integer(x)) => b.append_value(x != 0),
                (Builder::Real(b), ValueRef::Real(x)) => b.append_value(x),
                (Builder::Real(b), ValueRef::Integer(x)) => b.append_value(x as f64),
                (Builder::U64(b), ValueRef::Text(t)) => {
                    let s = std::str::from_utf8(t).map_err(|e| e.to_string())?;
                    b.append_value(s.parse().map_err(|_| format!("seed '{s}'"))?)
                }
                (Builder::Text(b), ValueRef::Text(t)) => {
                    b.append_value(std::str::from_utf8(t).map_err(|e| e.to_string())?)
                }
                (_, v) => return Err(format!("unexpected value {v:?}")),
            }
            Ok(())
        }

        fn finish(&mut self) -> ArrayRef {
            match self {
                Builder::Int(b) => Arc::new(b.finish()),
                Builder::U64(b) => Arc::new(b.finish()),
                Builder::Bool(b) => Arc::new(b.finish()),
                Builder::Real(b) => Arc::new(b.finish()),
                Builder::Text(b) => Arc::new(b.finish()),
            }
        }
    }

    pub(super) fn write(store: &Store, tmp: &Path, out: &Path) -> Result<u64, Error> {
        let schema = Arc::new(Schema::new(
            COLUMNS
                .iter()
                .map(|(name, kind)| {
                    let t = match kind {
                        ColumnKind::Int => DataType::Int64,
                        ColumnKind::U64 => DataType::UInt64,
                        ColumnKind::Bool => DataType::Boolean,
                        ColumnKind::Real => DataType::Float64,
                        ColumnKind::Text => DataType::Utf8,
                    };
                    Field::new(*name, t, true)
                })
                .collect::<Vec<_>>(),
        ));
        let file = std::fs::File::create(tmp).map_err(Error::io(out))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| export_error(out, e))?;
        let mut builders: Vec<Builder> = COLUMNS.iter().map(|(_, k)| Builder::new(*k)).collect();
        let mut stmt = store
            .conn
            .prepare(&query())
            .map_err(Error::sqlite(&store.path))?;
        let mut rows = stmt.query([]).map_err(Error::sqlite(&store.path))?;
        let mut n = 0u64;
        let mut in_batch = 0usize;
        let flush = |builders: &mut Vec<Builder>,
                     writer: &mut ArrowWriter<std::fs::File>|
         -> Result<(), Error> {
            let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
            let batch =
                RecordBatch::try_new(schema.clone(), arrays).map_err(|e| export_error(out, e))?;
            writer.write(&batch).map_err(|e| export_error(out, e))
        };
        while let Some(r) = rows.next().map_err(Error::sqlite(&store.path))? {
            for (i, b) in builders.iter_mut().enumerate() {
                let v = r.get_ref(i).map_err(Error::sqlite(&store.path))?;
                b.push(v)
                    .map_err(|e| export_error(out, format!("column {}: {e}", COLUMNS[i].0)))?;
            }
            n += 1;
            in_batch += 1;
            if in_batch == BATCH {
                flush(&mut builders, &mut writer)?;
                in_batch = 0;
            }
        }
        if in_batch > 0 || n == 0 {
            flush(&mut builders, &mut writer)?;
        }
        writer.close().map_err(|e| export_error(out, e))?;
        Ok(n)
    }
}
