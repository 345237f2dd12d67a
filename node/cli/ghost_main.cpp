// ghost: the Ghostchain client (keys, models, transactions, paid jobs, proofs, queries, testnet).
#include <iostream>

#include "node/cli/cli.h"

int main(int argc, char** argv) {
  CLI::App app{"ghost: the Ghostchain client (keys, models, transactions, workers, paid jobs, proofs, queries, testnet)"};
  app.footer(ghost::cli::kExitCodesHelp);
  app.require_subcommand(1);
  ghost::cli::add_all_groups(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << " (see ghost --help)\n";
    return ghost::cli::kExitUsage;
  } catch (const ghost::cli::CommandError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.code;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return ghost::cli::kExitUsage;
  }
  return 0;
}
