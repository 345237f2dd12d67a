#include "node/p2p/p2p_metrics.h"

#include "node/p2p/offence.h"

namespace ghost::p2p {

Metrics::Metrics(metrics::Registry& r)
    : peers(r.gauge("ghost_p2p_peers", "Connected peers (handshake complete)")),
      bans(r.counter("ghost_p2p_bans_total", "Peers banned for misbehaviour")),
      bytes_in(r.counter("ghost_p2p_received_bytes_total", "Frame bytes received from peers")),
      bytes_out(r.counter("ghost_p2p_sent_bytes_total", "Frame bytes written to peers")),
      messages_in(r.counter("ghost_p2p_received_messages_total", "Frames received from peers")),
      messages_out(r.counter("ghost_p2p_sent_messages_total", "Frames written to peers")),
      writes_out(r.counter("ghost_p2p_sent_writes_total", "WebSocket messages written to peers: a frame alone or a batch of them")),
      duplicates(r.counter("ghost_p2p_duplicates_total", "Received copies of messages already accepted")),
      gossip_dropped(r.counter("ghost_p2p_gossip_dropped_total", "Gossip frames dropped because a peer's gossip queue was full")),
      slow_peers(r.counter("ghost_p2p_slow_peers_total", "Peers dropped because their consensus queue was full")) {
  for (Offence o : {Offence::kUndecodable, Offence::kOversize, Offence::kBadHandshake, Offence::kBadSignature,
                    Offence::kInvalidBlock, Offence::kFlood, Offence::kProtocol, Offence::kBadWeights})
    offences[size_t(o)] = &r.counter("ghost_p2p_offences_total", "Peer offences by kind",
                                     {{"offence", std::string(offence_name(o))}});
}

}  // namespace ghost::p2p
