"""tests/plugins: the plugin contract. The sample plugin's own tests (ua-sample-plugin/tests) are
not collected here: they run from the plugin's folder with its own conftest, as a plugin author
runs them (test_sample_plugin_suite.py)."""

collect_ignore = ["ua-sample-plugin"]
