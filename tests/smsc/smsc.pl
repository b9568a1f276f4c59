#!/usr/bin/perl
#
# smsc.pl: a second SMSC for the smpp provider's tests, on Debian's
# libnet-smpp-perl (Net::SMPP in its SMSC role); we wrote only this glue.
#
#   perl smsc.pl LOG_FILE [SYSTEM_ID [PASSWORD]]
#
# Listens on a free loopback port and prints "READY <port>".  One
# connection at a time: bind_transceiver (system_id and password must
# match, else ESME_RBINDFAIL), enquire_link, unbind, and submit_sm
# answered with a message id "P<n>", each followed by a delivery receipt
# in SMPP 3.4 Appendix B's text only (no TLV), stat DELIVRD.  Each
# answered submit is a line of LOG_FILE: "<id> <destination> <data_coding>
# <esm_class> <short_message as hex>".
use strict;
use warnings;
use IO::Handle;
use Net::SMPP;

my ($log_file, $sysid, $pw) = @ARGV;
die "usage: smsc.pl LOG_FILE [SYSTEM_ID [PASSWORD]]\n" unless $log_file;
$sysid = 'fupin' unless defined $sysid;
$pw = 'secret' unless defined $pw;

open(my $log, '>>', $log_file) or die "$log_file: $!\n";
$log->autoflush(1);

my $srv = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34)
    or die "cannot listen: $!\n";
STDOUT->autoflush(1);
print "READY " . $srv->sockport . "\n";
$SIG{TERM} = sub { exit 0 };

my $n = 0;
sub stamp {
    my @t = gmtime(time);
    return sprintf('%02d%02d%02d%02d%02d', $t[5] % 100, $t[4] + 1, $t[3],
        $t[2], $t[1]);
}

while (1) {
    my $c = $srv->accept or next;
    my $bound = 0;
    while (my $pdu = $c->read_pdu()) {
        my $cmd = $pdu->{cmd};
        if ($cmd == 0x00000009) {            # bind_transceiver
            if ($pdu->{system_id} eq $sysid && $pdu->{password} eq $pw) {
                $c->bind_transceiver_resp(system_id => 'perlsmsc',
                    seq => $pdu->{seq});
                $bound = 1;
            } else {
                $c->bind_transceiver_resp(system_id => 'perlsmsc',
                    seq => $pdu->{seq}, status => 0x0000000D);
                last;
            }
        } elsif ($cmd == 0x00000004 && $bound) {   # submit_sm
            my $id = 'P' . ++$n;
            $c->submit_sm_resp(message_id => $id, seq => $pdu->{seq});
            printf $log "%s %s %d %d %s\n", $id, $pdu->{destination_addr},
                $pdu->{data_coding}, $pdu->{esm_class},
                unpack('H*', $pdu->{short_message});
            $c->deliver_sm(async => 1,
                source_addr_ton => 1, source_addr_npi => 1,
                source_addr => $pdu->{destination_addr},
                dest_addr_ton => 0, dest_addr_npi => 1,
                destination_addr => $pdu->{source_addr},
                esm_class => 0x04, data_coding => 0,
                short_message => "id:$id sub:001 dlvrd:001 submit date:"
                    . stamp() . " done date:" . stamp()
                    . " stat:DELIVRD err:000 text:");
        } elsif ($cmd == 0x00000015) {       # enquire_link
            $c->enquire_link_resp(seq => $pdu->{seq});
        } elsif ($cmd == 0x00000006) {       # unbind
            $c->unbind_resp(seq => $pdu->{seq});
            last;
        } elsif ($cmd & 0x80000000) {
            next;                            # deliver_sm_resp and others
        } else {
            $c->generic_nack(seq => $pdu->{seq}, status => 0x00000003);
        }
    }
    close($c);
}
