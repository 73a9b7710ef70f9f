//! Values read as the Go libraries podman and docker's CLI are built on read them: pflag's
//! booleans (`strconv.ParseBool`) and `encoding/csv`'s one record.
//!
//! Why a module of its own: the flag table, the argv parser and the mount reader all read these
//! values, and each must read them as the engine will; kept here, in a leaf, none of them has
//! to import another for it (they had formed a circle of imports).

/// pflag's `strconv.ParseBool`.
pub fn bool_value(v: &[u8]) -> Option<bool> {
    match v {
        b"1" | b"t" | b"T" | b"TRUE" | b"true" | b"True" => Some(true),
        b"0" | b"f" | b"F" | b"FALSE" | b"false" | b"False" => Some(false),
        _ => None,
    }
}

/// Splits one CSV record into fields, honouring `"` quoting with `""` escapes.
pub fn csv_fields(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    // Go's reader ends the record at a line break (and drops a `\r` before it): one record
    // here, so a value holding either is not read at all.
    if line.iter().any(|&b| matches!(b, b'\n' | b'\r')) {
        return None;
    }
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let mut i = 0;
    let mut quoted = false;
    let mut at_start = true;
    while i < line.len() {
        let b = line[i];
        if quoted {
            if b == b'"' {
                if line.get(i + 1) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else {
                field.push(b);
            }
        } else if b == b'"' && at_start {
            quoted = true;
        } else if b == b',' {
            fields.push(std::mem::take(&mut field));
            at_start = true;
            i += 1;
            continue;
        } else if b == b'"' {
            return None; // a bare quote inside an unquoted field is a CSV error
        } else {
            field.push(b);
        }
        at_start = false;
        i += 1;
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}
