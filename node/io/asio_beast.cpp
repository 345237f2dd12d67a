// The compiled bodies of Boost.Asio and Boost.Beast, once for the whole tree. Every target
// is built with BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION (top
// CMakeLists.txt), so the files that use them only instantiate templates: that takes about a
// third off the compile time of each networking file.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
