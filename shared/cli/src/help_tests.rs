//! Every command, flag and positional argument of `renkei` says what it is in `--help`:
//! walks the whole clap tree so a new argument without a doc comment fails here.

use crate::Cli;
use clap::CommandFactory;

/// `path arg` for every argument without help text, and `path` for every command without
/// a description, below `cmd`.
fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    if cmd.get_about().is_none() && cmd.get_long_about().is_none() {
        out.push(path.to_string());
    }
    for arg in cmd.get_arguments() {
        // clap's own --help and --version come documented.
        if ["help", "version"].contains(&arg.get_id().as_str()) {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {}", arg.get_id()));
        }
    }
    for sub in cmd.get_subcommands() {
        if sub.get_name() != "help" {
            undocumented(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
}

#[test]
fn every_command_flag_and_positional_argument_has_help_text() {
    let mut missing = Vec::new();
    undocumented(&Cli::command(), "renkei", &mut missing);
    assert!(
        missing.is_empty(),
        "add a doc comment to each of these:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn an_argument_or_command_without_help_is_found() {
    let cmd = clap::Command::new("x")
        .about("documented")
        .arg(clap::Arg::new("bare"))
        .subcommand(clap::Command::new("sub").arg(clap::Arg::new("flag").long("flag").help("h")));
    let mut missing = Vec::new();
    undocumented(&cmd, "x", &mut missing);
    assert_eq!(missing, ["x bare", "x sub"]);
}

#[test]
fn the_help_documents_the_exit_codes_and_renkei_log() {
    let help = Cli::command().render_long_help().to_string();
    for needle in ["Exit status:", "3  a run", "4  a run", "RENKEI_LOG"] {
        assert!(help.contains(needle), "{needle:?} missing from:\n{help}");
    }
}

#[test]
fn the_clap_tree_is_well_formed() {
    Cli::command().debug_assert();
}
