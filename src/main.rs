//! Entry point: the file name of argv[0] picks the personality.

use std::path::Path;

fn main() {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let code = if Path::new(&argv0).file_name().is_some_and(|n| n == "docker") {
        nanoclaw_shim::shim::main(args.collect())
    } else {
        nanoclaw_shim::cli::main(std::iter::once(argv0).chain(args).collect())
    };
    std::process::exit(code);
}
