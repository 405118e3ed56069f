"""A file picker for a student's scenario file: the browser reads the (small, text) file and
hands its name and text to Python. Hook for tests: ``input.govsim-upload``."""

from __future__ import annotations

import ipyvue
import traitlets

MAX_BYTES = 1_000_000

TEMPLATE = r"""
<template>
  <div style="font-size: 13px; margin: 4px 0">
    <label>{{ label }}
      <input type="file" accept=".toml,text/plain" class="govsim-upload" @change="picked" style="font-size: 12px"/>
    </label>
  </div>
</template>
<script>
module.exports = {
  methods: {
    picked(event) {
      const file = event.target.files[0];
      if (!file) return;
      if (file.size > this.max_bytes) {
        this.upload({ name: file.name, text: null, size: file.size });
        event.target.value = "";
        return;
      }
      const reader = new FileReader();
      reader.onload = () => {
        this.upload({ name: file.name, text: reader.result, size: file.size });
        event.target.value = "";
      };
      reader.readAsText(file);
    },
  },
};
</script>
"""


class UploadWidget(ipyvue.VueTemplate):
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    label = traitlets.Unicode("Upload a scenario file: ").tag(sync=True)
    max_bytes = traitlets.Int(MAX_BYTES).tag(sync=True)
    on_file = traitlets.Any(None)  # (name, text or None) -> None; not synced

    def vue_upload(self, data) -> None:
        if self.on_file is not None:
            self.on_file(str(data.get("name", "upload")), data.get("text"))
