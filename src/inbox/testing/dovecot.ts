// A throw-away Dovecot IMAP server for tests: its own config, passwd-file user and maildir in a
// temp folder, on a free port, clear text on 127.0.0.1 only. Skipped (with the reason) where
// Dovecot is not installed or cannot start; `.ci/run` installs Debian's dovecot-imapd.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestImapServer {
  host: string;
  port: number;
  user: string;
  password: string;
  close(): Promise<void>;
}

function findDovecot(): string | null {
  for (const p of ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot']) if (fs.existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('* OK'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

function idOf(user: string): { uid: number; gid: number } | null {
  try {
    return { uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' })) };
  } catch {
    return null;
  }
}

/** Starts Dovecot, or answers why it cannot (the caller skips its tests with that reason). */
export async function startTestDovecot(): Promise<TestImapServer | { skipped: string }> {
  const bin = findDovecot();
  if (!bin) return { skipped: 'Dovecot is not installed (apt-get install dovecot-imapd): IMAP tests skipped' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'support@shop.test';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  // As root, Dovecot refuses to run its login and mail processes as root: use the package's
  // dovecot/dovenull users. Otherwise everything runs as the current user.
  const me = os.userInfo();
  const root = me.uid === 0;
  const mailUser = root ? idOf('dovecot') : { uid: me.uid, gid: me.gid };
  if (root && (!mailUser || !idOf('dovenull'))) return { skipped: 'Dovecot runs as root here but its dovecot/dovenull users are missing: IMAP tests skipped' };
  const internal = root ? 'dovecot' : me.username;
  const login = root ? 'dovenull' : me.username;
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { mode: 0o777 });
  fs.chmodSync(home, 0o777);
  fs.writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`);
  const conf = `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internal}
default_internal_group = ${internal}
default_login_user = ${login}
first_valid_uid = ${mailUser!.uid}
first_valid_gid = ${mailUser!.gid}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailUser!.uid} gid=${mailUser!.gid} home=${home}/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`;
  const confPath = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(confPath, conf);
  const stop = async () => {
    await new Promise<void>((resolve) => {
      const p = spawn(bin, ['-c', confPath, 'stop'], { stdio: 'ignore' });
      p.on('exit', () => resolve());
      p.on('error', () => resolve());
    });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const started = await new Promise<string | null>((resolve) => {
    const p = spawn(bin, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => resolve(e.message));
    p.on('exit', (code) => resolve(code === 0 ? null : err.trim() || `exit ${code}`));
  });
  if (started) {
    await stop();
    return { skipped: `Dovecot could not start (${started.slice(0, 300)}): IMAP tests skipped` };
  }
  for (let i = 0; i < 50; i++) {
    if (await answers(port)) return { host: '127.0.0.1', port, user, password, close: stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8').slice(-300) : '';
  await stop();
  return { skipped: `Dovecot started but does not answer on port ${port} (${log}): IMAP tests skipped` };
}
