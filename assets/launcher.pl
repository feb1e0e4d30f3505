# Cloison's level launcher: runs inside a level's bubblewrap compartment (one per running level) as
# its PID 1 (bwrap --as-pid-1: the kernel ignores the signals the level's own processes send it, no
# bubblewrap init holds its descriptors, and it reaps every orphan of the level), and starts that
# level's apps there, so that a launch costs a fork and an exec instead of a new set of namespaces. It reads requests from the daemon on stdin and answers on stdout; apps get /dev/null as
# stdin and the launcher's stderr (the level's log) as stdout and stderr, never the request pipes.
# Written for perl-base (Essential in Debian): core modules only.
#
# Requests, each field ended by a NUL byte:
#   launch TAG CWD N ENV_1..ENV_N M ARGV_1..ARGV_M
#   signal PID SIGNUM            (to the app's whole process group)
# Answers, one line each, fields separated by tabs:
#   ready | started TAG PID | failed TAG REASON | exited PID STATUS
use strict;
use warnings;
use POSIX ();

my ($prctl) = @ARGV;
# Not dumpable: the level's apps run as the same account, and must not ptrace the launcher nor
# open its descriptors through /proc to forge requests or answers.
if ($prctl) {
  syscall($prctl, 4, 0) == 0 or die "launcher: prctl(PR_SET_DUMPABLE): $!\n";
}
# Nothing but stdin, stdout and stderr crosses into the apps.
POSIX::close($_) for 3 .. 1023;
$| = 1;

my %apps;    # pid of each app's first process => 1

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    next unless delete $apps{$pid};
    # The app's first process is gone: so is the rest of its process group, as when a sandbox of
    # its own ended.
    kill 'KILL', -$pid;
    my $code = ($status & 127) ? 128 + ($status & 127) : $status >> 8;
    print "exited\t$pid\t$code\n";
  }
}
# Without SA_RESTART, so that a child's end interrupts the wait for the next request.
POSIX::sigaction(POSIX::SIGCHLD(), POSIX::SigAction->new(\&reap, POSIX::SigSet->new, 0));

my $buf = '';

# The next complete request in $buf, removed from it; nothing while it is incomplete.
sub take {
  my @f = split /\0/, $buf, -1;
  pop @f;    # the piece after the last NUL: incomplete, or empty
  return unless @f;
  my $need;
  if ($f[0] eq 'signal') {
    $need = 3;
  } elsif ($f[0] eq 'launch') {
    return unless @f > 4;
    my $nenv = $f[3];
    die "launcher: bad request\n" unless $nenv =~ /\A\d{1,4}\z/;
    return unless @f > 4 + $nenv;
    my $nargv = $f[4 + $nenv];
    die "launcher: bad request\n" unless $nargv =~ /\A[1-9]\d{0,4}\z/;
    $need = 5 + $nenv + $nargv;
  } else {
    die "launcher: bad request\n";
  }
  return unless @f >= $need;
  my @msg = @f[0 .. $need - 1];
  my $length = 0;
  $length += length($_) + 1 for @msg;
  substr($buf, 0, $length) = '';
  return @msg;
}

sub launch {
  my ($tag, $cwd, $nenv, @rest) = @_;
  my %env = map { split /=/, $_, 2 } @rest[0 .. $nenv - 1];
  my @argv = @rest[$nenv + 1 .. $#rest];
  # The child tells an exec failure through this pipe; a successful exec closes it (close-on-exec).
  pipe(my $r, my $w) or return print "failed\t$tag\tpipe: $!\n";
  # No exit is told before its start: SIGCHLD waits until the answer is out.
  my $chld = POSIX::SigSet->new(POSIX::SIGCHLD());
  POSIX::sigprocmask(POSIX::SIG_BLOCK(), $chld);
  my $pid = fork;
  if (!defined $pid) {
    POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
    return print "failed\t$tag\tfork: $!\n";
  }
  if ($pid == 0) {
    close $r;
    POSIX::sigaction(POSIX::SIGCHLD(), POSIX::SigAction->new('DEFAULT'));
    POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
    # Its own session and process group: no controlling terminal, and stopped as a whole.
    POSIX::setsid();
    chdir $cwd or do { syswrite $w, "chdir $cwd: $!"; POSIX::_exit(127) };
    open STDIN, '<', '/dev/null';
    open STDOUT, '>&', \*STDERR;
    %ENV = %env;
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    syswrite $w, "$argv[0]: $!";
    POSIX::_exit(127);
  }
  $apps{$pid} = 1;
  close $w;
  # Bounded: an app of the level can stop the child before its exec (kill -STOP -1), and the
  # launcher must not wait for it for ever. A child not started in time is killed, never left to
  # run unannounced.
  my $err = '';
  my $deadline = time + 5;
  my $done = 0;
  while (!$done) {
    my $rin = '';
    vec($rin, fileno($r), 1) = 1;
    my $left = $deadline - time;
    if ($left <= 0) {
      delete $apps{$pid};
      kill 'KILL', $pid;
      close $r;
      POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
      return print "failed\t$tag\tit did not start within 5 s (stopped by another process of the level?)\n";
    }
    next if select(my $rout = $rin, undef, undef, $left) <= 0;
    my $n = sysread($r, $err, 512, length $err);
    $done = 1 if defined $n && ($n == 0 || length $err >= 512);
  }
  close $r;
  if (length $err) {
    delete $apps{$pid};
    $err =~ s/[\t\n]/ /g;
    print "failed\t$tag\t$err\n";
  } else {
    print "started\t$tag\t$pid\n";
  }
  POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
}

print "ready\n";
while (1) {
  my $rin = '';
  vec($rin, 0, 1) = 1;
  # While apps run, look for ended ones now and then as well: a child that ends just before the
  # select would otherwise be told only with the next request.
  my $ready = select(my $rout = $rin, undef, undef, %apps ? 0.1 : undef);
  reap();
  next if $ready <= 0;
  my $n = sysread(STDIN, $buf, 65536, length $buf);
  if (!defined $n) {
    next if $!{EINTR};
    last;
  }
  last if $n == 0;    # the daemon is gone: so is the level
  while (my @msg = take()) {
    my $kind = shift @msg;
    if ($kind eq 'signal') {
      my ($pid, $signal) = @msg;
      kill $signal, -$pid if $apps{$pid} && $signal =~ /\A\d{1,2}\z/;
    } else {
      launch(@msg);
    }
  }
}
