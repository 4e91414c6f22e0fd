use clap::Parser;
use paydesk_server::{cli, config::Cli};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli::init_tracing(cli.log_format);
    match cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("paydesk: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
