'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

describe('manager example', () => {
  it('manager_dict_list: the parent sees the dict entries and the reversed list the child made', async () => {
    const { code, stdout, stderr } = await runNode([path.join(__dirname, '..', 'examples', 'manager_dict_list.js')]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "Map(3) { 1 => '1', '2' => 2, 0.25 => null }\n[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]\n");
  });
});
