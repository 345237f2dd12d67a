// ghost: the Ghostchain client (keys, models, transactions, queries, testnet).
#include <iostream>

#include "node/cli/cli.h"

int main(int argc, char** argv) {
  CLI::App app{"ghost: the Ghostchain client (keys, models, transactions, queries, testnet)"};
  app.require_subcommand(1);
  ghost::cli::add_all_groups(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
