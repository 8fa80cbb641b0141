// End to end: the real keeper-rotate binary with the `ksm` writer (and the pam-config source fetching the Azure
// PAM Configuration through KSM) stores a rotation result of engineer C's fake provider in PAM User records on the
// fake KSM server; Keeper's official Node SDK then reads back exactly what was written. Also: another writer
// changing the password during the run (both survive), a failing KSM update (exit 4, record untouched, new key
// rolled back), and a scan of all keeper-rotate output for secrets.
// Run inside `fake-ksm --seed seed.json --config-out WORK/ksm.json -- node e2e.js ...`.
//
// usage: node e2e.js SEED_JSON KEEPER_ROTATE TEST_PLUGIN_DIR WORK_DIR
'use strict'
const assert = require('assert/strict')
const fs = require('fs')
const https = require('https')
const path = require('path')
const { spawnSync } = require('child_process')
const ksm = require('@keeper-security/secrets-manager-core')

const [seedFile, hostBin, testPluginDir, workDir] = process.argv.slice(2)
const env = process.env
const seed = Object.fromEntries(JSON.parse(fs.readFileSync(seedFile, 'utf8')).records.map(r => [r.uid, r]))
const OUR_LABELS = ['client_secret_id', 'client_secret', 'expires']
const NEW_PASSWORD = 'Gateway-NewPassw0rd-e2e'
const ADMIN_SECRET = 'admin-app-secret-from-pam-config'
let checks = 0
const check = async (what, fn) => { await fn(); checks++; console.log(`ok - ${what}`) }

function admin(urlPath, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(env.FAKE_KSM_URL + urlPath, {
      method: 'POST', headers: { Authorization: `Bearer ${env.FAKE_KSM_ADMIN_TOKEN}`, 'Content-Type': 'application/json' }
    }, res => {
      let data = ''
      res.on('data', c => { data += c })
      res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(data)) : reject(new Error(`${urlPath}: ${data}`)))
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}
const field = (data, label) => (data.custom || []).concat(data.fields).find(f => f.label === label || (!f.label && f.type === label))
const b64 = s => Buffer.from(s, 'utf8').toString('base64')

function rotate(userUid, stateFile) {
  fs.writeFileSync(stateFile, 'old-1\nold-2\n')
  fs.rmSync(stateFile + '.secrets', { force: true })
  const pamUser = {
    uid: userUid, title: seed[userUid].data.title, login: 'app', password: NEW_PASSWORD,
    fake_state_file: stateFile, record_writer: 'ksm', credential_source: 'pam-config'
  }
  // The PAM Configuration is deliberately not in `records`: pam-config must fetch it through KSM.
  const input = {
    providerRecordUid: 'AzurePamConfigUid-001', resourceRecordUid: '', userRecordUid: userUid,
    newPassword: NEW_PASSWORD, oldPassword: 'Gateway-OldPassw0rd-e2e', user: 'app', records: b64(JSON.stringify([pamUser]))
  }
  const r = spawnSync(hostBin, ['fake', '--plugin-dir', testPluginDir, '--ksm-config', env.FAKE_KSM_CONFIG_FILE, '--verbose'],
    { input: b64(JSON.stringify(input)) + '\n', encoding: 'utf8', env: { PATH: '/usr/bin:/bin', SSL_CERT_FILE: env.SSL_CERT_FILE } })
  const lines = r.stdout.trim().split('\n')
  const summary = JSON.parse(lines[lines.length - 1])
  const secrets = fs.existsSync(stateFile + '.secrets') ? fs.readFileSync(stateFile + '.secrets', 'utf8').trim().split('\n') : []
  const keys = fs.readFileSync(stateFile, 'utf8').trim().split('\n')
  for (const s of secrets.concat([NEW_PASSWORD, ADMIN_SECRET])) {
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), 'a secret value appeared in keeper-rotate output')
  }
  return { status: r.status, summary, secrets, keys, stderr: r.stderr }
}

async function main() {
  const storage = ksm.inMemoryStorage({ serverPublicKey: env.FAKE_KSM_SERVER_PUBLIC_KEY, serverPublicKeyId: env.FAKE_KSM_SERVER_PUBLIC_KEY_ID })
  await ksm.initializeStorage(storage, env.FAKE_KSM_TOKEN, env.FAKE_KSM_HOSTNAME)
  const options = { storage }
  const read = async uid => (await ksm.getSecrets(options, [uid])).records[0]

  for (const uid of ['DirectPamUserUid-00001', 'FolderPamUserUid-0001']) {
    const before = await read(uid)
    const run = rotate(uid, path.join(workDir, `state-${uid}`))
    await check(`keeper-rotate rotated and stored into ${uid} (exit 0, writer ksm, credential via KSM)`, () => {
      assert.equal(run.status, 0, run.stderr)
      assert.equal(run.summary.status, 'rotated')
      assert.equal(run.summary.writer, 'ksm')
      assert.equal(run.summary.credentialSource, 'pam-config')
      assert.equal(run.secrets.length, 1)
      assert.deepEqual(run.keys, [run.summary.keyId])
    })
    const after = await read(uid)
    await check(`the official SDK reads back exactly what keeper-rotate wrote into ${uid}`, () => {
      assert.equal(field(after.data, 'client_secret').value[0], run.secrets[0])
      assert.equal(field(after.data, 'client_secret').type, 'secret')
      assert.equal(field(after.data, 'client_secret_id').value[0], run.summary.keyId)
      assert.equal(field(after.data, 'expires').value[0], '2027-11-26T00:00:00Z')
      const strip = d => ({ ...d, custom: (d.custom || []).filter(f => !OUR_LABELS.includes(f.label)) })
      assert.deepEqual(strip(after.data), strip(before.data))
      assert.deepEqual(strip(after.data), strip(seed[uid].data))
      assert.ok(after.revision > before.revision)
    })
  }

  // Another writer (the Gateway) saves the password field right before our update: both changes survive.
  await admin('/admin/fault', { type: 'changePassword', uid: 'DirectPamUserUid-00001', password: 'written-by-gateway' })
  const concurrent = rotate('DirectPamUserUid-00001', path.join(workDir, 'state-concurrent'))
  const merged = await read('DirectPamUserUid-00001')
  await check('with a concurrent password change both the password and our fields are in the record', () => {
    assert.equal(concurrent.status, 0, concurrent.stderr)
    assert.equal(field(merged.data, 'password').value[0], 'written-by-gateway')
    assert.equal(field(merged.data, 'client_secret').value[0], concurrent.secrets[0])
    assert.equal(field(merged.data, 'client_secret_id').value[0], concurrent.summary.keyId)
  })

  // The KSM update fails: exit 4, the new key is rolled back, the record is exactly as before.
  const beforeFail = await read('FolderPamUserUid-0001')
  await admin('/admin/fault', { type: 'failUpdate', uid: 'FolderPamUserUid-0001', status: 500, error: 'internal_error' })
  const failed = rotate('FolderPamUserUid-0001', path.join(workDir, 'state-failing'))
  const afterFail = await read('FolderPamUserUid-0001')
  await check('a failing KSM update exits 4, removes the new key and leaves the record untouched', () => {
    assert.equal(failed.status, 4, failed.stderr)
    assert.equal(failed.summary.status, 'failed')
    assert.deepEqual(failed.keys, ['old-1', 'old-2'])
    assert.deepEqual(afterFail.data, beforeFail.data)
    assert.equal(afterFail.revision, beforeFail.revision)
  })

  console.log(`e2e-ksm: ${checks} checks passed`)
}

main().catch(e => { console.error('e2e-ksm FAILED:', e && e.stack || e); process.exit(1) })
