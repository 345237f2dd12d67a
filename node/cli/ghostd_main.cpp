// ghostd: the Ghostchain node.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"ghostd: the Ghostchain node (full node; --validator signs blocks, --worker serves models)"};
  CLI11_PARSE(app, argc, argv);
  return 0;
}
