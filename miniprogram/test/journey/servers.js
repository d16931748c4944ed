/**
 * The real backend for the journey tests: the Go API server (cmd/server)
 * and the WeChat stand-in (cmd/wxfake), built once, started on free ports
 * with a fresh MariaDB database of their own (migrated and seeded with the
 * demo data, dropped afterwards) and a Redis key prefix of their own.
 *
 *   const servers = await startServers();   // { api, wxfake, adminPassword, ... }
 *   ...
 *   await servers.stop();
 *
 * Only the database account and Redis address come from the environment
 * (`make test` exports .env.dev; without it .env.dev at the repository root
 * is read, as scripts/services.sh writes it): HX_TEST_MYSQL_DSN (a DSN
 * without a database, allowed to create huixiang_test_* databases) and
 * HX_REDIS_ADDR. The secrets (PII key, WeChat secret, admin password) are
 * made for the run.
 *
 * unavailable() says why the servers cannot run here (no Go, no MariaDB
 * client, MariaDB or Redis down), or '' when they can.
 */
const childProcess = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '../../..');
const DEFAULT_ADMIN_DSN = 'root@tcp(127.0.0.1:3306)/?parseTime=true&loc=UTC';
const STARTUP_MS = 30000;

/** KEY=value lines of an env file written by scripts/services.sh (quotes stripped; the last one wins, as in sh). */
function readEnvFile(file) {
  const values = {};
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return values;
  }
  text.split('\n').forEach((line) => {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) {
      values[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
    }
  });
  return values;
}

function settings() {
  const file = readEnvFile(path.join(REPO, '.env.dev'));
  const get = (key) => process.env[key] || file[key] || '';
  return {
    adminDsn: get('HX_TEST_MYSQL_DSN') || DEFAULT_ADMIN_DSN,
    // One address, or a cluster's (comma-separated): the server gets them all.
    redisAddr: get('HX_REDIS_ADDR') || '127.0.0.1:6379',
    redisPassword: get('HX_REDIS_PASSWORD'),
  };
}

/** user:password@tcp(host:port)/db?params, the Go MySQL driver's DSN. */
function parseDsn(dsn) {
  const m = /^([^:@]*)(?::([^@]*))?@tcp\(([^:)]+)(?::(\d+))?\)\/([^?]*)(\?.*)?$/.exec(dsn);
  if (!m) {
    throw new Error(`cannot read the MySQL DSN (user:password@tcp(host:port)/?params): ${dsn.replace(/:[^@]*@/, ':***@')}`);
  }
  return {
    user: m[1], password: m[2] || '', host: m[3], port: m[4] || '3306', params: m[6] || '',
  };
}

const randomHex = (bytes) => crypto.randomBytes(bytes).toString('hex');

function which(cmd) {
  const found = childProcess.spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : '';
}

function mysqlClient() {
  return which('mariadb') || which('mysql');
}

/** Whether something accepts TCP connections at host:port (checked synchronously). */
function portOpen(host, port) {
  const probe = childProcess.spawnSync(process.execPath, ['-e',
    `require('net').connect(${Number(port)}, ${JSON.stringify(host)})`
    + '.on("connect", () => process.exit(0)).on("error", () => process.exit(1))'], { timeout: 3000 });
  return probe.status === 0;
}

/**
 * Why the journeys cannot run on this machine ('' when they can):
 * synchronous, so that a test file can choose describe or describe.skip.
 */
function unavailable() {
  if (!which('go')) {
    return 'the Go toolchain (go) is not on PATH';
  }
  if (!mysqlClient()) {
    return 'no MariaDB client (mariadb or mysql) on PATH: run scripts/services.sh';
  }
  const s = settings();
  let db;
  try {
    db = parseDsn(s.adminDsn);
  } catch (e) {
    return e.message;
  }
  if (!portOpen(db.host, db.port)) {
    return `MariaDB is not answering on ${db.host}:${db.port}: run scripts/services.sh`;
  }
  const [rhost, rport] = s.redisAddr.split(',')[0].trim().split(':');
  if (!portOpen(rhost, rport || 6379)) {
    return `Redis is not answering on ${s.redisAddr}: run scripts/services.sh`;
  }
  return '';
}

function run(cmd, args, options) {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(cmd, args, Object.assign({ stdio: ['ignore', 'pipe', 'pipe'] }, options));
    let out = '';
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { out += b; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out)
      : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${code}:\n${out.slice(-3000)}`))));
  });
}

/** Runs SQL as the DSN's account (the password in an option file, not on the command line). */
function sql(dsn, dir, statement) {
  const db = parseDsn(dsn);
  const cnf = path.join(dir, 'client.cnf');
  fs.writeFileSync(cnf, `[client]\nuser=${db.user}\npassword=${db.password}\n`, { mode: 0o600 });
  return run(mysqlClient(), [`--defaults-extra-file=${cnf}`, '--protocol=TCP', `-h${db.host}`, `-P${db.port}`,
    '--connect-timeout=5', '-NBe', statement]);
}

/** The environment of the servers: ours, without any HX_* of the caller's shell. */
function serverEnv(extra) {
  const env = {};
  Object.keys(process.env).forEach((k) => {
    if (!k.startsWith('HX_')) {
      env[k] = process.env[k];
    }
  });
  return Object.assign(env, extra);
}

/**
 * Starts a server process and resolves with the address it printed, found
 * in its output by `pattern` (first group).
 */
function startProcess(name, bin, args, env, logFile, pattern) {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = fs.createWriteStream(logFile);
    let seen = '';
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`${name} did not start in ${STARTUP_MS / 1000} s:\n${seen.slice(-3000)}`)), STARTUP_MS);
    function finish(err, addr) {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else {
        resolve({ child, addr });
      }
    }
    const onData = (b) => {
      log.write(b);
      if (!settled) {
        seen += b;
        const m = pattern.exec(seen);
        if (m) {
          finish(null, m[1]);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => finish(err));
    child.on('exit', (code) => finish(new Error(`${name} exited with ${code} at start:\n${seen.slice(-3000)}`)));
  });
}

function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A JSON call: { status, body } (body parsed when it is JSON). */
function call(base, method, urlPath, { token, body, headers } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const req = http.request(new URL(urlPath, base), {
      method,
      headers: Object.assign(
        payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
        token ? { Authorization: `Bearer ${token}` } : {},
        headers,
      ),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let parsed = raw;
        if (/json/.test(res.headers['content-type'] || '')) {
          try {
            parsed = JSON.parse(raw.toString('utf8'));
          } catch (e) {
            parsed = raw.toString('utf8');
          }
        }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.setTimeout(15000, () => req.destroy(new Error(`${method} ${urlPath}: no answer in 15 s`)));
    req.on('error', reject);
    if (payload) {
      req.write(payload);
    }
    req.end();
  });
}

/** Deletes the keys under prefix (best effort: needs redis-cli). */
function dropRedisKeys(s, prefix) {
  const cli = which('redis-cli');
  if (!cli) {
    return Promise.resolve();
  }
  const [host, port] = s.redisAddr.split(',')[0].trim().split(':');
  const base = `${cli} -h ${host} -p ${Number(port) || 6379}`;
  // The password (if any) through the environment, not the command line.
  const env = Object.assign({}, process.env, s.redisPassword ? { REDISCLI_AUTH: s.redisPassword } : {});
  return run('sh', ['-c', `${base} --scan --pattern '${prefix}*' | xargs -r ${base} del >/dev/null`], { env })
    .catch(() => {});
}

// Processes started by this module, killed if jest's worker exits without afterAll.
const live = new Set();
process.on('exit', () => live.forEach((child) => {
  try {
    child.kill('SIGKILL');
  } catch (e) {
    // already gone
  }
}));

/**
 * Builds both binaries, makes the database, seeds it, starts the stand-in
 * and the API server. Resolves with their addresses and stop().
 */
async function startServers() {
  const s = settings();
  const checkout = crypto.createHash('sha256').update(REPO).digest('hex').slice(0, 8);
  const binDir = path.join(os.tmpdir(), `hx-mp-journey-bin-${checkout}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hx-mp-journey-'));
  const dbName = `huixiang_test_mpjourney_${randomHex(4)}`;
  const redisPrefix = `hxtest:mpjourney:${randomHex(4)}:`;
  const processes = [];
  let dbCreated = false;

  const stop = async () => {
    await Promise.all(processes.map((p) => stopProcess(p).then(() => live.delete(p))));
    if (dbCreated) {
      await sql(s.adminDsn, dir, `DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => {});
    }
    await dropRedisKeys(s, redisPrefix);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    fs.mkdirSync(binDir, { recursive: true });
    await run('go', ['build', '-o', path.join(binDir, 'server'), './cmd/server'], { cwd: REPO });
    await run('go', ['build', '-o', path.join(binDir, 'wxfake'), './cmd/wxfake'], { cwd: REPO });

    await sql(s.adminDsn, dir, `CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    dbCreated = true;
    const db = parseDsn(s.adminDsn);
    const dsn = `${db.user}${db.password ? `:${db.password}` : ''}@tcp(${db.host}:${db.port})/${dbName}`
      + '?parseTime=true&charset=utf8mb4&loc=UTC';

    const appid = 'wxdev000000000000';
    const secret = randomHex(16);
    // 10-128 letters and digits, not "admin" (staff.CheckPassword).
    const adminPassword = `Jy${randomHex(8)}Q7`;

    const wxfakeEnv = serverEnv({ HX_WECHAT_APPID: appid, HX_WECHAT_SECRET: secret });
    const wxfake = await startProcess('wxfake', path.join(binDir, 'wxfake'), ['-addr', '127.0.0.1:0'], wxfakeEnv,
      path.join(dir, 'wxfake.log'), /listening on (http:\/\/[0-9.]+:\d+)/);
    processes.push(wxfake.child);
    live.add(wxfake.child);

    const env = serverEnv({
      HX_MYSQL_DSN: dsn,
      HX_MYSQL_AUTO_MIGRATE: 'true',
      HX_REDIS_ADDR: s.redisAddr,
      HX_REDIS_KEY_PREFIX: redisPrefix,
      HX_PII_KEY: crypto.randomBytes(32).toString('base64'),
      HX_ADMIN_BOOTSTRAP_PASSWORD: adminPassword,
      HX_WECHAT_APPID: appid,
      HX_WECHAT_SECRET: secret,
      HX_WECHAT_API_BASE: wxfake.addr,
      HX_WECHAT_MINIPROGRAM_STATE: 'developer',
      HX_HTTP_ADDR: '127.0.0.1:0',
      HX_METRICS_ADDR: 'off',
      HX_JOBS_ENABLED: 'false',
      HX_NOTIFY_WORKERS: '0',
      HX_UPLOAD_DIR: path.join(dir, 'uploads'),
    });
    if (s.redisPassword) {
      env.HX_REDIS_PASSWORD = s.redisPassword;
    }
    // Migrations and the demo data (regions, admin, demo staff...).
    await run(path.join(binDir, 'server'), ['seed'], { env });
    const server = await startProcess('server', path.join(binDir, 'server'), ['serve'], env,
      path.join(dir, 'server.log'), /"msg":"listening","addr":"([0-9.]+:\d+)"/);
    processes.push(server.child);
    live.add(server.child);
    const api = `http://${server.addr}`;
    const health = await call(api, 'GET', '/healthz');
    if (health.status !== 200) {
      throw new Error(`GET /healthz answered ${health.status}`);
    }
    return {
      api,
      wxfake: wxfake.addr,
      adminPassword,
      dbName,
      redisPrefix,
      logs: { server: path.join(dir, 'server.log'), wxfake: path.join(dir, 'wxfake.log') },
      call: (method, urlPath, options) => call(api, method, urlPath, options),
      /** The last lines of a server's log ('server' or 'wxfake'), for failure messages. */
      tail: (name, lines = 30) => {
        try {
          return fs.readFileSync(path.join(dir, `${name}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch (e) {
          return '';
        }
      },
      fake: (method, urlPath, body) => call(wxfake.addr, method, urlPath, { body }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

module.exports = {
  startServers, unavailable, call, readEnvFile, parseDsn,
};
