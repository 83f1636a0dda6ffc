import LakeParquet

/// Appending to a dataset: fits this input's inferred schema to the dataset's.
///
/// Same type: kept. The dataset's type wins where it can hold this input's values losslessly:
/// `double` over `bigint`, `string` over `timestamp`/`date`/`uuid` (kept as their text), JSON text over
/// anything, microsecond over millisecond timestamps. Any other difference is refused, before
/// anything is written: old files cannot be rewritten, and readers would fail on the mix
/// (Athena: HIVE_PARTITION_SCHEMA_MISMATCH). Columns new to the dataset are appended (and
/// returned, for ALTER TABLE ADD COLUMNS); dataset columns absent here stay, all null.
enum SchemaReconciler {
    static func reconcile(dataset: [Field], input: [Field]) throws(ConversionError) -> (fields: [Field], added: [Field]) {
        var fields: [Field] = []
        for old in dataset {
            guard let new = input.first(where: { $0.name == old.name }) else {
                fields.append(old)
                continue
            }
            fields.append(Field(old.name, try fit(new.type, into: old.type, path: old.name)))
        }
        let added = input.filter { new in !dataset.contains { $0.name == new.name } }
        return (fields + added, added)
    }

    static func fit(_ new: DataType, into old: DataType, path: String) throws(ConversionError) -> DataType {
        if new == old { return old }
        switch (old, new) {
        case (.double, .int64), (.json, _), (.string, .timestamp), (.string, .date), (.string, .uuid): return old
        case (.timestamp(.micros, let utc), .timestamp(.millis, _)): return .timestamp(.micros, isAdjustedToUTC: utc)
        case (.list(let o), .list(let n)): return .list(Field(o.name, try fit(n.type, into: o.type, path: path + "[]")))
        case (.struct(let o), .struct(let n)):
            guard n.allSatisfy({ f in o.contains { $0.name == f.name } }) else {
                let extra = n.filter { f in !o.contains { $0.name == f.name } }.map(\.name)
                throw ConversionError(
                    .schema,
                    "struct '\(path)' gains field(s) \(extra) in this input; adding nested fields to an existing dataset is not supported yet (refused before writing)")
            }
            var merged: [Field] = []
            for field in o {
                if let m = n.first(where: { $0.name == field.name }) {
                    merged.append(Field(field.name, try fit(m.type, into: field.type, path: path + "." + field.name)))
                } else {
                    merged.append(field)
                }
            }
            return .struct(merged)
        default:
            throw ConversionError(
                .schema,
                "column '\(path)' is \(SchemaText.typeName(old)) in the dataset but \(SchemaText.typeName(new)) in this input; appending it would break readers (refused before writing)")
        }
    }
}
