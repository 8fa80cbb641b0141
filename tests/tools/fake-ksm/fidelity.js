// Fidelity of tools/fake-ksm (and of our C++ client) against Keeper's official Node KSM client
// @keeper-security/secrets-manager-core. Run by ctest inside `fake-ksm --seed seed.json -- node fidelity.js ...`,
// which exports FAKE_KSM_* and NODE_EXTRA_CA_CERTS (the test CA: TLS stays verified).
//
// usage: node fidelity.js SEED_JSON KSM_PROBE_EXE WORK_DIR
'use strict'
const assert = require('assert/strict')
const fs = require('fs')
const https = require('https')
const path = require('path')
const { spawnSync } = require('child_process')
const ksm = require('@keeper-security/secrets-manager-core')

const [seedFile, probeExe, workDir] = process.argv.slice(2)
const env = process.env
const seed = JSON.parse(fs.readFileSync(seedFile, 'utf8'))
const seeded = Object.fromEntries(seed.records.map(r => [r.uid, r]))
let checks = 0
const check = async (what, fn) => { await fn(); checks++; console.log(`ok - ${what}`) }

function admin(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(env.FAKE_KSM_URL + urlPath, {
      method, headers: { Authorization: `Bearer ${env.FAKE_KSM_ADMIN_TOKEN}`, 'Content-Type': 'application/json' }
    }, res => {
      let data = ''
      res.on('data', c => { data += c })
      res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(data)) : reject(new Error(`admin ${urlPath}: ${res.statusCode} ${data}`)))
    })
    req.on('error', reject)
    if (body) req.write(JSON.stringify(body))
    req.end()
  })
}
const plain = uid => admin('GET', `/admin/record/${uid}`)
const field = (data, label) => (data.custom || []).concat(data.fields).find(f => f.label === label || (!f.label && f.type === label))

function probe(args) {
  const r = spawnSync(probeExe, args, { encoding: 'utf8', env })
  if (r.status !== 0) console.log(r.stdout, r.stderr)
  return r.status
}

async function main() {
  const configFile = path.join(workDir, 'node-ksm-config.json')
  fs.rmSync(configFile, { force: true })
  const storage = ksm.localConfigStorage(configFile)
  // Custom server key in the storage before binding (docs/ksm-protocol.md §11): the official client then talks to
  // our fake.
  await storage.saveString('serverPublicKey', env.FAKE_KSM_SERVER_PUBLIC_KEY)
  await storage.saveString('serverPublicKeyId', env.FAKE_KSM_SERVER_PUBLIC_KEY_ID)
  await ksm.initializeStorage(storage, env.FAKE_KSM_TOKEN, env.FAKE_KSM_HOSTNAME)
  const options = { storage }

  // 1. Binding with a one-time token, then reading every seeded record, direct and inside the shared folder.
  let secrets = await ksm.getSecrets(options)
  await check('binding stored appKey and dropped clientKey', async () => {
    assert.ok(await storage.getString('appKey'))
    assert.equal(await storage.getString('clientKey'), undefined)
    assert.equal(secrets.appData.type, 'app')
  })
  await check('every seeded record is delivered (direct and in the folder)', () => {
    assert.deepEqual(secrets.records.map(r => r.recordUid).sort(), Object.keys(seeded).sort())
  })
  for (const r of secrets.records) {
    await check(`record ${r.recordUid} decrypts to exactly the seeded JSON`, () => {
      assert.deepEqual(r.data, seeded[r.recordUid].data)
      assert.equal(r.folderUid, seeded[r.recordUid].folderUid)
    })
  }

  // 2. Update a custom field of the direct record; read back through the SDK and through the fake's plain view.
  const direct = secrets.records.find(r => r.recordUid === 'DirectPamUserUid-00001')
  const revBefore = direct.revision
  field(direct.data, 'application_object_id').value = ['ffffffff-1111-4222-8333-944444444444']
  direct.data.custom.push({ type: 'secret', label: 'client_secret', value: ['written-by-node-sdk'] })
  await ksm.updateSecret(options, direct)
  secrets = await ksm.getSecrets(options, ['DirectPamUserUid-00001'])
  await check('a custom-field update is read back unchanged by the SDK', () => {
    assert.equal(secrets.records.length, 1)
    assert.deepEqual(secrets.records[0].data, direct.data)
    assert.ok(secrets.records[0].revision > revBefore)
  })
  await check('the fake stores exactly what the SDK wrote', async () => {
    assert.deepEqual((await plain('DirectPamUserUid-00001')).data, direct.data)
  })

  // 3. A stale revision is refused.
  await check('a save with a stale revision is refused with out_of_sync', async () => {
    await assert.rejects(ksm.updateSecret(options, direct), /out_of_sync/)
  })

  // 4. Rotation transaction, finalized: staged first, visible after finalize.
  let folderRec = (await ksm.getSecrets(options, ['FolderPamUserUid-0001'])).records[0]
  field(folderRec.data, 'client_secret').value = ['rotated-secret-finalized']
  await ksm.updateSecret(options, folderRec, 'rotation')
  const view = await plain('FolderPamUserUid-0001')
  await check('a rotation update is staged, not committed, until finalize', () => {
    assert.equal(field(view.data, 'client_secret').value[0], 'seeded-old-secret')
    assert.equal(field(view.staged, 'client_secret').value[0], 'rotated-secret-finalized')
  })
  await ksm.completeTransaction(options, 'FolderPamUserUid-0001', false)
  folderRec = (await ksm.getSecrets(options, ['FolderPamUserUid-0001'])).records[0]
  await check('after finalize the SDK reads the rotated value', () => {
    assert.equal(field(folderRec.data, 'client_secret').value[0], 'rotated-secret-finalized')
    assert.equal(folderRec.folderUid, 'SharedFolderUid-000001')
  })

  // 5. Rotation transaction, rolled back: the committed value stays.
  field(folderRec.data, 'client_secret').value = ['rotated-secret-rolled-back']
  await ksm.updateSecret(options, folderRec, 'rotation')
  await ksm.completeTransaction(options, 'FolderPamUserUid-0001', true)
  const afterRollback = (await ksm.getSecrets(options, ['FolderPamUserUid-0001'])).records[0]
  await check('after rollback the SDK reads the previous value and nothing stays staged', async () => {
    assert.equal(field(afterRollback.data, 'client_secret').value[0], 'rotated-secret-finalized')
    assert.equal((await plain('FolderPamUserUid-0001')).staged, null)
  })

  // 6. Our C++ client reads the config file the official SDK wrote, and sees what the SDK wrote.
  await check('the C++ client loads the SDK-written config and reads the SDK-written values', () => {
    assert.equal(probe(['--config', configFile, '--record', 'DirectPamUserUid-00001',
      '--expect', 'client_secret=written-by-node-sdk',
      '--expect', 'application_object_id=ffffffff-1111-4222-8333-944444444444',
      '--expect', 'password=gateway-generated-1']), 0)
  })

  // 7. The C++ client writes (folder record: creates a field, replaces one); the official SDK reads it back exactly.
  const beforeCpp = (await ksm.getSecrets(options, ['FolderPamUserUid-0001'])).records[0]
  await check('the C++ client saves a record', () => {
    assert.equal(probe(['--config', configFile, '--record', 'FolderPamUserUid-0001',
      '--set', 'client_secret=secret:written-by-cpp-client',
      '--set', 'expires=text:2027-11-26T01:00:00Z']), 0)
  })
  const afterCpp = (await ksm.getSecrets(options, ['FolderPamUserUid-0001'])).records[0]
  await check('the SDK reads back exactly what the C++ client wrote, and nothing else changed', () => {
    const expected = JSON.parse(JSON.stringify(beforeCpp.data))
    field(expected, 'client_secret').value = ['written-by-cpp-client']
    expected.custom.push({ type: 'text', label: 'expires', value: ['2027-11-26T01:00:00Z'] })
    assert.deepEqual(afterCpp.data, expected)
    assert.ok(afterCpp.revision > beforeCpp.revision)
  })

  // 8. A config written by our `ksm init` (C++ binding) is loaded and used by the official SDK.
  const cppConfig = path.join(workDir, 'cpp-init-config.json')
  fs.rmSync(cppConfig, { force: true })
  const token = (await admin('POST', '/admin/token')).token
  await check('our ksm init binds a token and writes a config file', () => {
    assert.equal(probe(['--init-token', token, '--hostname', env.FAKE_KSM_HOSTNAME, '--out', cppConfig,
      '--server-key-id', env.FAKE_KSM_SERVER_PUBLIC_KEY_ID, '--server-key', env.FAKE_KSM_SERVER_PUBLIC_KEY]), 0)
    assert.equal(fs.statSync(cppConfig).mode & 0o777, 0o600)
  })
  await check('the official SDK uses the config written by our ksm init', async () => {
    const written = JSON.parse(fs.readFileSync(cppConfig, 'utf8'))
    for (const key of ['hostname', 'clientId', 'privateKey', 'appKey', 'serverPublicKeyId', 'appOwnerPublicKey', 'serverPublicKey'])
      assert.equal(typeof written[key], 'string', key)
    assert.equal(written.clientKey, undefined)
    const fromCpp = { storage: ksm.localConfigStorage(cppConfig) }
    const all = await ksm.getSecrets(fromCpp)
    assert.deepEqual(all.records.map(r => r.recordUid).sort(), Object.keys(seeded).sort())
    const rec = all.records.find(r => r.recordUid === 'AzurePamConfigUid-001')
    assert.deepEqual(rec.data, seeded['AzurePamConfigUid-001'].data)
  })

  console.log(`fidelity-ksm: ${checks} checks passed`)
}

main().catch(e => { console.error('fidelity-ksm FAILED:', e && e.stack || e); process.exit(1) })
