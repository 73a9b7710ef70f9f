//! What a `--format` template may do: podman runs it in its own process on the host, outside
//! every ceiling, so a template that repeats or makes text from nothing grows podman's memory
//! and output without end (`{{range 100000000}}{{printf "%999999d" 1}}{{end}}`: 4.9 GB in ten
//! seconds on podman 5, the seventy-ninth look's).
//!
//! Default-deny, by shape: an action is read token by token as Go's `text/template` lexer reads
//! it (strings, raw strings and character constants whole, so a quoted `}}` ends nothing: the
//! eightieth look's `{{ eq "}}" (pad "x" 0 1000000000) }}` hid a function after one), and may
//! hold field paths, literals, the words of [`WORDS`], and the variables a `range` declares. A
//! `range` runs once per entry of one collection podman has ([`COLLECTIONS`]: as large as that
//! data and no larger); never inside another (twenty nested ranges over four entries are 10^12
//! rounds), never over a variable or a number (podman 5's Go ranges over an integer, and a
//! field may hold one: `.HostConfig.Memory`), and nothing inside it reaches the template's root
//! (`json $` once per entry is the data squared). Every format nanoclaw and docker's
//! documentation use is such a template.

/// The words an action may hold besides field paths, variables and literals: the control words
/// and the functions that make text no larger than the data they are given.
const WORDS: &[&[u8]] = &[
    b"range", b"end", b"if", b"else", b"with", b"index", b"json", b"join", b"split", b"slice", b"lower",
    b"upper", b"title", b"len", b"eq", b"ne", b"lt", b"le", b"gt", b"ge", b"and", b"or", b"not", b"nil",
    b"true", b"false",
];

/// The last names of the fields a `range` may run over: lists and maps of podman's containers,
/// images, networks, volumes, events and engine (`.Labels`, `.Config.Env`, `.Containers`). A
/// name of a number (`.Memory`, `.Pid`, `.Size`) is none of them.
const COLLECTIONS: &[&[u8]] = &[
    b"Aliases",
    b"Annotations",
    b"Args",
    b"Attributes",
    b"Binds",
    b"CapAdd",
    b"CapDrop",
    b"Cmd",
    b"Command",
    b"Config",
    b"Containers",
    b"Dependencies",
    b"Devices",
    b"Dns",
    b"DnsOptions",
    b"DnsSearch",
    b"Entrypoint",
    b"Env",
    b"ExecIDs",
    b"ExposedPorts",
    b"ExtraHosts",
    b"GroupAdd",
    b"History",
    b"Labels",
    b"Layers",
    b"Log",
    b"Mounts",
    b"Names",
    b"NamesHistory",
    b"Networks",
    b"Options",
    b"PortBindings",
    b"Ports",
    b"Registries",
    b"RepoDigests",
    b"RepoTags",
    b"SecurityOpt",
    b"Subnets",
    b"Tmpfs",
    b"Ulimits",
    b"Volumes",
];

/// The longest format: what a template prints of its own is at most this much per entry.
const MAX_LEN: usize = 512;

/// The most actions a template may hold. Without a loop, each action still prints what it names
/// once per row: `{{json .}}` written ten thousand times in one argument is ten thousand copies
/// of every container. nanoclaw's longest format has five.
const MAX_ACTIONS: usize = 64;

/// The most calls of `json`, `join` and `split` a template may hold: a function's arguments are
/// all made before it is called, so one action can hold as many copies of the data as it names
/// calls. nanoclaw's formats hold one.
const MAX_MAKERS: usize = 16;

/// One token of an action, as Go's lexer splits it.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    /// `.A.B` (or `.` alone): a field path from the dot.
    Field(&'a [u8]),
    /// `$x.A` (or `$` alone): a variable, then any fields.
    Variable(&'a [u8]),
    /// A bare word: a function, a control word, `nil`/`true`/`false`.
    Word(&'a [u8]),
    /// A string, raw string, character constant or number.
    Literal,
    /// `:=` or `=`.
    Assign,
    /// `(`, `)`, `|`, `,`.
    Punct(u8),
}

/// One block an action opened (`range`, `if`, `with`), and the variables a `range` declared.
struct Block<'a> {
    range: bool,
    declared: Vec<&'a [u8]>,
}

/// Why the template `t` is refused, if it is.
pub fn problem(t: &[u8]) -> Option<String> {
    // Text inside a range, a separator, a literal: each printed once per entry, so the
    // template's own length multiplies the data (100 KB of text in a range over a container's
    // 60 000 arguments: 6 GB, the ninety-first look's). nanoclaw's longest format is 130 bytes.
    if t.len() > MAX_LEN {
        return Some(refused(&format!("a format longer than {MAX_LEN} bytes")));
    }
    // podman reads a format that begins with `table` with each `table ` in it removed, in one
    // pass with its `\t` (`\table ` is a tab and `able `), so that `{table {printf ...}table }`
    // is an action to it and text to a reader that did not do the same (the eighty-sixth and
    // eighty-eighth looks'): a `table ` past the first is refused.
    if let Some(rest) = t.strip_prefix(b"table") {
        if find(rest, b"table ").is_some() {
            return Some(refused(
                "a second `table ` in a table format, which podman removes before it reads the template",
            ));
        }
    }
    judged(t)
}

/// Whether the template `t` prints only `fields` of each entry it is given: every field path
/// begins with one of them (`.Labels.k`), nothing prints an entry whole (`.`, `$`), and it is
/// not podman's `json` format. Where what must not be printed hides in a field of a field
/// (`volume ls`'s `.InspectVolumeData` holds `.Options`: the hundred-and-nineteenth look's), a
/// list of what may be printed is the only sound test. A template that cannot be read prints
/// more.
pub fn names_only(t: &[u8], fields: &[&[u8]]) -> bool {
    if crate::text::lossy(t).trim().eq_ignore_ascii_case("json") {
        return false;
    }
    let mut rest = t;
    while let Some(open) = find(rest, b"{{") {
        let Ok((tokens, after)) = action(&rest[open + 2..]) else {
            return false;
        };
        rest = after;
        for tok in &tokens {
            match tok {
                Token::Field(p) => {
                    let first = p[1..].split(|&c| c == b'.').next().unwrap_or_default();
                    if !fields.contains(&first) {
                        return false;
                    }
                }
                Token::Variable(b"$") => return false,
                _ => {}
            }
        }
    }
    true
}

/// [`problem`] of the template as written.
fn judged(t: &[u8]) -> Option<String> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut rest = t;
    let (mut actions, mut makers) = (0, 0);
    while let Some(open) = find(rest, b"{{") {
        actions += 1;
        if actions > MAX_ACTIONS {
            return Some(refused(&format!(
                "more than {MAX_ACTIONS} actions, each of which may print all the data once more"
            )));
        }
        let (tokens, after) = match action(&rest[open + 2..]) {
            Ok(read) => read,
            Err(why) => return Some(refused(why)),
        };
        rest = after;
        makers += tokens
            .iter()
            .filter(|t| matches!(t, Token::Word(b"json" | b"join" | b"split")))
            .count();
        if makers > MAX_MAKERS {
            return Some(refused(&format!(
                "more than {MAX_MAKERS} calls of json, join and split, each of which holds a copy of what it is given (`eq .A (json .) (json .) ...` holds them all at once)"
            )));
        }
        if let Err(why) = judge(&tokens, &mut blocks) {
            return Some(refused(&why));
        }
    }
    None
}

fn refused(why: &str) -> String {
    format!(
        "runs a template in podman's own process on the host, outside every ceiling: {why}; a template may hold field paths, literals, {}, and one range at a time over a list or map field",
        WORDS
            .iter()
            .map(|w| crate::text::lossy(w))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads the action that begins after a `{{`: its tokens, and the text after its `}}`.
fn action(body: &[u8]) -> Result<(Vec<Token<'_>>, &[u8]), &'static str> {
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut i = 0;
    // A left trim marker is a `-` and a space; `{{-3}}` is the number -3.
    if body.first() == Some(&b'-') && body.get(1).is_some_and(|&b| space(b)) {
        i = 2;
    }
    while body.get(i).is_some_and(|&b| space(b)) {
        i += 1;
    }
    // A comment is a whole action: `/*` right after the delimiter (and its trim marker).
    if body[i..].starts_with(b"/*") {
        let end = find(&body[i + 2..], b"*/").ok_or("a comment that does not end")? + i + 4;
        let mut j = end;
        while body.get(j).is_some_and(|&b| space(b)) {
            j += 1;
        }
        let j = if body[j..].starts_with(b"-}}") { j + 1 } else { j };
        return match body[j..].starts_with(b"}}") {
            true => Ok((Vec::new(), &body[j + 2..])),
            false => Err("a comment with more after it in its action"),
        };
    }
    let mut tokens = Vec::new();
    loop {
        let Some(&b) = body.get(i) else {
            return Err("an action that does not end");
        };
        if body[i..].starts_with(b"}}") {
            return Ok((tokens, &body[i + 2..]));
        }
        if space(b) {
            if body[i + 1..].starts_with(b"-}}") {
                return Ok((tokens, &body[i + 4..]));
            }
            i += 1;
            continue;
        }
        let start = i;
        match b {
            b'"' | b'\'' => {
                i += 1;
                loop {
                    match body.get(i) {
                        None | Some(b'\n') => return Err("a quoted literal that does not end"),
                        Some(b'\\') => i += 2,
                        Some(&c) if c == b => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                tokens.push(Token::Literal);
            }
            b'`' => {
                let end = find(&body[i + 1..], b"`").ok_or("a raw string that does not end")?;
                i += end + 2;
                tokens.push(Token::Literal);
            }
            b'.' if !body.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = path_end(body, i);
                tokens.push(Token::Field(&body[start..i]));
            }
            b'$' => {
                i = path_end(body, i);
                tokens.push(Token::Variable(&body[start..i]));
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                i += 1;
                while body
                    .get(i)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-'))
                {
                    i += 1;
                }
                tokens.push(Token::Literal);
            }
            b':' if body.get(i + 1) == Some(&b'=') => {
                i += 2;
                tokens.push(Token::Assign);
            }
            b'=' => {
                i += 1;
                tokens.push(Token::Assign);
            }
            b'(' | b')' | b'|' | b',' => {
                i += 1;
                tokens.push(Token::Punct(b));
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                while body
                    .get(i)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    i += 1;
                }
                tokens.push(Token::Word(&body[start..i]));
            }
            _ => return Err("a character Go's templates do not read in an action"),
        }
    }
}

/// Where a field path or variable that begins at `i` ends (`$x.A.B`, `.A.B`).
fn path_end(body: &[u8], mut i: usize) -> usize {
    i += 1;
    while body
        .get(i)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
    {
        i += 1;
    }
    i
}

/// Judges one action's tokens against the blocks open around it.
fn judge<'a>(tokens: &[Token<'a>], blocks: &mut Vec<Block<'a>>) -> Result<(), String> {
    let in_range = blocks.iter().any(|b| b.range);
    match tokens.first() {
        Some(Token::Word(b"range")) => {
            if in_range {
                return Err("a range inside another range, which repeats one by the other".into());
            }
            // `range .F`, `range $v := .F`, `range $k, $v := .F`, nothing after.
            let (names, over) = match &tokens[1..] {
                [over] => (Vec::new(), over),
                [Token::Variable(v), Token::Assign, over] => (vec![*v], over),
                [
                    Token::Variable(k),
                    Token::Punct(b','),
                    Token::Variable(v),
                    Token::Assign,
                    over,
                ] => (vec![*k, *v], over),
                _ => return Err("a range over what is not one field".into()),
            };
            let Token::Field(path) = over else {
                return Err("a range over what is not a field (a variable, a number, an expression)".into());
            };
            let last = path.rsplit(|&c| c == b'.').next().unwrap_or_default();
            if !COLLECTIONS.contains(&last) {
                return Err(format!(
                    "a range over {}, which is no list or map field the shim knows (a number's field repeats as often as it says)",
                    crate::text::lossy(path)
                ));
            }
            if names.iter().any(|n| n.len() < 2 || n.contains(&b'.')) {
                return Err("a range that declares what is not a variable".into());
            }
            blocks.push(Block {
                range: true,
                declared: names,
            });
            return Ok(());
        }
        Some(Token::Word(b"if" | b"with")) => blocks.push(Block {
            range: false,
            declared: Vec::new(),
        }),
        Some(Token::Word(b"end")) => {
            if tokens.len() != 1 || blocks.pop().is_none() {
                return Err("an end that closes nothing".into());
            }
            return Ok(());
        }
        Some(Token::Word(b"else")) => {
            if blocks.is_empty() {
                return Err("an else outside a block".into());
            }
            // `else if`/`else with` go on in the same block.
            if !matches!(tokens.get(1), None | Some(Token::Word(b"if" | b"with"))) {
                return Err("an else followed by what is not if or with".into());
            }
        }
        _ => {}
    }
    let declared = |v: &[u8]| {
        let name = v.split(|&c| c == b'.').next().unwrap_or(v);
        blocks.iter().any(|b| b.declared.contains(&name))
    };
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::Word(w) if !WORDS.contains(w) => {
                return Err(format!(
                    "{} is not a word the shim allows there",
                    crate::text::lossy(w)
                ));
            }
            Token::Word(b"range") => return Err("a range that does not begin its action".into()),
            Token::Word(w @ (b"if" | b"with" | b"else" | b"end")) if i > 0 => {
                let follows_else = i == 1 && matches!(tokens[0], Token::Word(b"else"));
                if !follows_else {
                    return Err(format!("{} in the middle of an action", crate::text::lossy(w)));
                }
            }
            Token::Variable(v) if !declared(v) => {
                return Err(
                    "a variable that no range declared (the template's root, or one assigned), which can repeat what it holds once per entry".into(),
                );
            }
            Token::Assign => return Err("a variable assigned outside a range's own declaration".into()),
            Token::Word(w @ (b"json" | b"join" | b"split")) => makes_text(w, &tokens[..i], &tokens[i + 1..])?,
            _ => {}
        }
    }
    Ok(())
}

/// `json`, `join` and `split` make text larger than what they are given (`json` writes `<` as
/// six bytes, `join` a separator per entry): each only of field paths and variables, with a
/// literal separator, and never of another call's text, through parentheses or a pipeline
/// (`{{json (json (json ...))}}` doubled per level, `{{join .Plugins.Log (join ...)}}` grew
/// fourfold: 1.8 GB from 415 bytes, the eighty-sixth look's).
fn makes_text(word: &[u8], before: &[Token], after: &[Token]) -> Result<(), String> {
    let name = crate::text::lossy(word);
    if matches!(before.last(), Some(Token::Punct(b'|'))) {
        return Err(format!("{name} of what a pipeline made"));
    }
    let args: Vec<&Token> = after
        .iter()
        .take_while(|t| !matches!(t, Token::Punct(b')' | b'|')))
        .collect();
    let value = |t: &Token| matches!(t, Token::Field(_) | Token::Variable(_));
    let fits = match (word, args.as_slice()) {
        (b"json", [a]) => value(a),
        (b"join" | b"split", [a, Token::Literal]) => value(a),
        _ => false,
    };
    if !fits {
        return Err(format!(
            "{name} of what is not one field or variable (and, for join and split, a quoted separator)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_formats_nanoclaw_and_docker_s_documentation_use_pass() {
        for t in [
            "{{.Names}}",
            "table {{.Names}}\t{{.Status}}",
            "{{.State.Status}}|{{.State.ExitCode}}",
            "{{.Names}}|{{.State}}|{{.Label \"nanoclaw-group\"}}|{{index .Labels \"k\"}}",
            "{{index .Config.Labels \"nanoclaw-install\"}}|{{index .Config.Labels \"nanoclaw-group\"}}",
            "{{json .}}",
            "{{json .Config.Env}}",
            "{{range .Containers}}{{.Name}} {{end}}",
            "{{range $k, $v := .Labels}}{{$k}}={{$v}}{{end}}",
            "{{range $e := .Config.Env}}{{$e}} {{end}}{{range .Mounts}}{{.Source}}{{end}}",
            "{{- if eq .State \"running\" }}up{{ else }}down{{ end -}}",
            "{{if .State.Running}}a{{else if .State.Paused}}b{{else}}c{{end}}",
            "{{with .State}}{{.Status}}{{end}}",
            "{{join .Names \",\"}} {{lower .Image}} {{len .Mounts}}",
            "{{/* a comment */}}{{.ID}}",
            "{{- /* trimmed */ -}}{{.ID}}",
            "{{.Endpoints.docker.Host}}",
            "{{.Id}}",
            "{{(index .NetworkSettings.Networks \"bridge\").IPAddress}}",
            "{{.Name | lower}}",
            "{{index .Args 0}}",
            "{{ eq \"}}\" .Name }}",
            "plain text }} with no action",
            "{{split .Image \":\"}} {{slice .ID 0 12}}",
            "{{range .IPAM.Config}}{{.Subnet}}{{end}}",
            "table {{.Names}}\t{{json .Labels}}",
            "{{.ID}}".repeat(64).as_str(),
            "{{json .}}".repeat(16).as_str(),
        ] {
            assert_eq!(problem(t.as_bytes()), None, "{t}");
        }
    }

    /// Each the seventy-ninth or eightieth look's, or a close variant.
    #[test]
    fn templates_that_repeat_or_make_text_are_refused() {
        let nested = format!(
            "{{{{$e := .Plugins.Log}}}}{}x{}",
            "{{range $e}}".repeat(20),
            "{{end}}".repeat(20)
        );
        for t in [
            "table {{range 100000000}}{{printf \"%999999d\" 1}}{{end}}",
            "{{range $i := split \"a,b,c\" \",\"}}{{range split \"a,b\" \",\"}}x{{end}}{{end}}",
            "{{printf \"%9999999s\" \"x\"}}",
            "{{range (len .Names)}}x{{end}}",
            "{{define \"t\"}}{{template \"t\"}}{{end}}{{template \"t\"}}",
            "{{range 10}}x{{end}}",
            nested.as_str(),
            "{{range .Plugins.Log}}{{range .Plugins.Log}}x{{end}}{{end}}",
            "{{range .Labels}}{{if true}}{{range .Labels}}x{{end}}{{end}}{{end}}",
            "{{$n := 100000000}}{{range $n}}x{{end}}",
            "{{range .HostConfig.Memory}}x{{end}}",
            "{{range $}}x{{end}}",
            "{{range .Config.Env}}{{json $}}{{end}}",
            "{{range .Config.Env}}{{json $.Config}}{{end}}",
            "{{ eq \"}}\" (pad \"x\" 0 1000000000) }}",
            "{{ eq '\"' (split \"aaaa\" \"\") }}",
            "{{ eq `}}` (pad \"x\" 0 10) }}",
            "{{range $v := .Labels}}{{$v = .Config}}{{end}}",
            "{{block \"b\" .}}x{{end}}",
            "{{range .Labels}}{{break}}{{end}}",
            "{{.Names",
            "{{ \"unterminated }}",
            "{{ print .Names }}",
            "{{ .Names | printf \"%99999s\" }}",
            "{{end}}",
            "{{/* a */ printf}}",
            // The eighty-sixth look's: `table ` removed by podman, calls nested in one action.
            "table {{.ID}} {table {printf \"%999999d\" 1}table }",
            "table {{\"\\table \"}}{table {printf `%5d` 7}table }\\table \"}}",
            "table {{.ID}}{table {range .Labels}table }{table {range .Labels}table }x{{end}}{{end}}",
            "{{join .Plugins.Log (join .Plugins.Log (join .Plugins.Log \"ABCDEFGH\"))}}",
            "{{json (json (json .))}}",
            "{{json . | json}}",
            "{{. | json}}",
            "{{join .Config.Env (json .)}}",
            "{{join .Config.Env .Config.Image}}",
            "{{split .Image .Image}}",
            format!("{{{{eq .ID {}}}}}", "(json .) ".repeat(17)).as_str(),
            "{{json .}}".repeat(65).as_str(),
            format!("{{{{range .Config.Cmd}}}}{}{{{{end}}}}", "x".repeat(600)).as_str(),
        ] {
            assert!(problem(t.as_bytes()).is_some(), "{t}");
        }
    }

    /// `volume ls --format` may print only the fields it names: not the options, nor a field
    /// that holds them, nor an entry whole (the hundred-and-nineteenth look's).
    #[test]
    fn a_template_prints_only_the_fields_it_names() {
        let fields: &[&[u8]] = &[b"Name", b"Driver", b"Labels"];
        for t in [
            "{{.Name}}",
            "table {{.Name}}\t{{.Driver}}",
            "{{json .Labels}}",
            "{{range $k, $v := .Labels}}{{$k}}={{$v}}{{end}}",
            "{{.Labels.team}}",
            "plain",
        ] {
            assert!(names_only(t.as_bytes(), fields), "{t}");
        }
        for t in [
            "{{.Options}}",
            "{{.InspectVolumeData}}",
            "{{.VolumeConfigResponse.Options}}",
            "{{.}}",
            "{{json .}}",
            "json",
            "{{index . \"Options\"}}",
            "{{range .Labels}}{{.}}{{end}}",
            "{{with .Labels}}{{.team}}{{end}}",
            "{{.Name",
        ] {
            assert!(!names_only(t.as_bytes(), fields), "{t}");
        }
    }
}
