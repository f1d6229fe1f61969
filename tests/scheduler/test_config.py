"""KubeSchedulerConfiguration v1: defaults, plugin merging and expansion, args and validation,
ported from Kubernetes' own tests (v1.33; the Go test and case names are cited)."""

from __future__ import annotations

import pytest

from kbench.scheduler.args import (DefaultPreemptionArgs, InterPodAffinityArgs, NodeAffinityArgs,
                                   NodeResourcesBalancedAllocationArgs, NodeResourcesFitArgs,
                                   PodTopologySpreadArgs, ScoringStrategy, VolumeBindingArgs)
from kbench.scheduler.config import (EXTENSION_POINTS, PLUGIN_EXTENSION_POINTS, ProfileError,
                                     default_configuration, default_plugins, expand_plugins,
                                     load_configuration, merge_plugins, num_feasible_nodes_to_find,
                                     register_plugin, unregister_plugin)

HEADER = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"


def config(**fields) -> dict:
    return {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration", **fields}


def profile_with(**fields) -> dict:
    return config(profiles=[fields])


def args_error(plugin: str, args: dict) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_configuration(profile_with(pluginConfig=[{"name": plugin, "args": args}]))
    return info.value


def names(entries) -> list[str]:
    return [name for name, _ in entries]


@pytest.fixture
def custom_plugins():
    """Test plugins of framework_test.go: testPlugin implements every point."""
    everywhere = [p for p in EXTENSION_POINTS if p != "multiPoint"]
    plugins = {"TestPlugin": everywhere, "ScorePlugin1": ["preScore", "score"],
               "ScorePlugin2": ["score"], "ScoreWithNormalizePlugin1": ["score"],
               "QueueSortPlugin": ["queueSort"], "BindPlugin": ["bind"], "CustomFilter": ["filter", "score"]}
    for name, points in plugins.items():
        register_plugin(name, points)
    yield
    for name in plugins:
        unregister_plugin(name)


# ---------------------------------------------------------------------------
# Defaults: default_plugins_test.go TestApplyFeatureGates, testing/defaults/defaults.go
# ---------------------------------------------------------------------------

def test_default_plugins_feature_gates_disabled():
    # TestApplyFeatureGates "Feature gates disabled", v1.33 (no cloud volume limits plugins)
    assert default_plugins() == {"multiPoint": {"enabled": [
        {"name": "SchedulingGates"},
        {"name": "PrioritySort"},
        {"name": "NodeUnschedulable"},
        {"name": "NodeName"},
        {"name": "TaintToleration", "weight": 3},
        {"name": "NodeAffinity", "weight": 2},
        {"name": "NodePorts"},
        {"name": "NodeResourcesFit", "weight": 1},
        {"name": "VolumeRestrictions"},
        {"name": "NodeVolumeLimits"},
        {"name": "VolumeBinding"},
        {"name": "VolumeZone"},
        {"name": "PodTopologySpread", "weight": 2},
        {"name": "InterPodAffinity", "weight": 2},
        {"name": "DefaultPreemption"},
        {"name": "NodeResourcesBalancedAllocation", "weight": 1},
        {"name": "ImageLocality", "weight": 1},
        {"name": "DefaultBinder"},
    ]}}


def test_default_profile_expanded_plugins():
    # testing/defaults/defaults.go ExpandedPluginsV1 (what framework.ListPlugins reports)
    profile = default_configuration().profile("default-scheduler")
    assert profile.scheduler_name == "default-scheduler"
    plugins = {point: names(entries) for point, entries in profile.plugins.items() if entries}
    assert plugins == {
        "preEnqueue": ["SchedulingGates"],
        "queueSort": ["PrioritySort"],
        "preFilter": ["NodeAffinity", "NodePorts", "NodeResourcesFit", "VolumeRestrictions",
                      "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "PodTopologySpread",
                      "InterPodAffinity"],
        "filter": ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts",
                   "NodeResourcesFit", "VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding",
                   "VolumeZone", "PodTopologySpread", "InterPodAffinity"],
        "postFilter": ["DefaultPreemption"],
        "preScore": ["TaintToleration", "NodeAffinity", "NodeResourcesFit", "VolumeBinding",
                     "PodTopologySpread", "InterPodAffinity", "NodeResourcesBalancedAllocation"],
        "score": ["TaintToleration", "NodeAffinity", "NodeResourcesFit", "VolumeBinding",
                  "PodTopologySpread", "InterPodAffinity", "NodeResourcesBalancedAllocation",
                  "ImageLocality"],
        "reserve": ["VolumeBinding"],
        "preBind": ["VolumeBinding"],
        "bind": ["DefaultBinder"],
    }
    assert profile.scores() == (("TaintToleration", 3), ("NodeAffinity", 2), ("NodeResourcesFit", 1),
                                ("VolumeBinding", 1), ("PodTopologySpread", 2), ("InterPodAffinity", 2),
                                ("NodeResourcesBalancedAllocation", 1), ("ImageLocality", 1))
    assert profile.filters()[:3] == ("NodeUnschedulable", "NodeName", "TaintToleration")
    assert profile.enabled("VolumeBinding", "reserve") and not profile.enabled("ImageLocality", "filter")
    assert profile.enabled("DefaultBinder") and not profile.enabled("EBSLimits")


def test_default_plugin_args():
    # testing/defaults/defaults.go PluginConfigsV1; defaults_test.go TestSchedulerDefaults
    cfg = default_configuration()
    assert cfg.percentage_of_nodes_to_score == 0
    assert (cfg.pod_initial_backoff_seconds, cfg.pod_max_backoff_seconds) == (1, 10)
    assert cfg.profile().percentage_of_nodes_to_score is None
    assert cfg.profile().plugin_args == {
        "DefaultPreemption": DefaultPreemptionArgs(10, 100),
        "InterPodAffinity": InterPodAffinityArgs(1),
        "NodeAffinity": NodeAffinityArgs(None),
        "NodeResourcesBalancedAllocation": NodeResourcesBalancedAllocationArgs((("cpu", 1), ("memory", 1))),
        "NodeResourcesFit": NodeResourcesFitArgs(scoring_strategy=ScoringStrategy(
            "LeastAllocated", (("cpu", 1), ("memory", 1)))),
        "PodTopologySpread": PodTopologySpreadArgs((), "System"),
        "VolumeBinding": VolumeBindingArgs(600),
    }
    # podtopologyspread/plugin.go systemDefaultConstraints
    assert cfg.profile().plugin_args["PodTopologySpread"].effective_default_constraints() == (
        {"maxSkew": 3, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"},
        {"maxSkew": 5, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"})


def test_defaults_of_partial_args():
    # defaults_test.go TestPluginArgsDefaults: explicit values kept, missing ones defaulted
    cfg = load_configuration(profile_with(pluginConfig=[
        {"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 0}},
        {"name": "NodeResourcesFit", "args": {"scoringStrategy": {
            "type": "MostAllocated",
            "resources": [{"name": "cpu", "weight": 0}, {"name": "nvidia.com/gpu", "weight": 5}]}}},
        {"name": "NodeResourcesBalancedAllocation", "args": {"resources": [{"name": "cpu"}, {"name": "memory"}]}},
        {"name": "DefaultPreemption", "args": {"minCandidateNodesPercentage": 50}},
        {"name": "VolumeBinding", "args": {"bindTimeoutSeconds": 0}},
        {"name": "PodTopologySpread", "args": {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]}},
    ]))
    args = cfg.profile().plugin_args
    assert args["InterPodAffinity"].hard_pod_affinity_weight == 0  # an explicit 0 is not defaulted
    assert args["NodeResourcesFit"].scoring_strategy == ScoringStrategy(
        "MostAllocated", (("cpu", 1), ("nvidia.com/gpu", 5)))  # weight 0 -> 1
    assert args["NodeResourcesBalancedAllocation"].resources == (("cpu", 1), ("memory", 1))
    assert args["DefaultPreemption"] == DefaultPreemptionArgs(50, 100)
    assert args["VolumeBinding"].bind_timeout_seconds == 0
    assert args["PodTopologySpread"].effective_default_constraints() == (
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},)


# ---------------------------------------------------------------------------
# Merging: default_plugins_test.go TestMergePlugins
# ---------------------------------------------------------------------------

MERGE_CASES = {
    "AppendCustomPlugin": (
        {"filter": {"enabled": [{"name": "CustomPlugin"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}, {"name": "CustomPlugin"}]}},
    ),
    "InsertAfterDefaultPlugins2": (
        {"filter": {"enabled": [{"name": "CustomPlugin"}, {"name": "DefaultPlugin2"}],
                    "disabled": [{"name": "DefaultPlugin2"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "CustomPlugin"}, {"name": "DefaultPlugin2"}],
                    "disabled": [{"name": "DefaultPlugin2"}]}},
    ),
    "InsertBeforeAllPlugins": (
        {"filter": {"enabled": [{"name": "CustomPlugin"}, {"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}],
                    "disabled": [{"name": "*"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
        {"filter": {"enabled": [{"name": "CustomPlugin"}, {"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}],
                    "disabled": [{"name": "*"}]}},
    ),
    "ReorderDefaultPlugins": (
        {"filter": {"enabled": [{"name": "DefaultPlugin2"}, {"name": "DefaultPlugin1"}], "disabled": [{"name": "*"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin2"}, {"name": "DefaultPlugin1"}], "disabled": [{"name": "*"}]}},
    ),
    "ApplyNilCustomPlugin": (
        None,
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
        {"filter": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
    ),
    "CustomPluginOverrideDefaultPlugin": (
        {"filter": {"enabled": [{"name": "Plugin1", "weight": 2}, {"name": "Plugin3", "weight": 3}]}},
        {"filter": {"enabled": [{"name": "Plugin1"}, {"name": "Plugin2"}, {"name": "Plugin3"}]}},
        {"filter": {"enabled": [{"name": "Plugin1", "weight": 2}, {"name": "Plugin2"},
                                {"name": "Plugin3", "weight": 3}]}},
    ),
    "OrderPreserveAfterOverride": (
        {"filter": {"enabled": [{"name": "Plugin2", "weight": 2}, {"name": "Plugin1", "weight": 1}]}},
        {"filter": {"enabled": [{"name": "Plugin1"}, {"name": "Plugin2"}, {"name": "Plugin3"}]}},
        {"filter": {"enabled": [{"name": "Plugin1", "weight": 1}, {"name": "Plugin2", "weight": 2},
                                {"name": "Plugin3"}]}},
    ),
    "RepeatedCustomPlugin": (
        {"filter": {"enabled": [{"name": "Plugin1"}, {"name": "Plugin2", "weight": 2}, {"name": "Plugin3"},
                                {"name": "Plugin2", "weight": 4}]}},
        {"filter": {"enabled": [{"name": "Plugin1"}, {"name": "Plugin2"}, {"name": "Plugin3"}]}},
        {"filter": {"enabled": [{"name": "Plugin1"}, {"name": "Plugin2", "weight": 4}, {"name": "Plugin3"},
                                {"name": "Plugin2", "weight": 2}]}},
    ),
    "Append custom MultiPoint plugin": (
        {"multiPoint": {"enabled": [{"name": "CustomPlugin"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}, {"name": "CustomPlugin"}]}},
    ),
    "Append disabled Multipoint plugins": (
        {"multiPoint": {"enabled": [{"name": "CustomPlugin"}, {"name": "CustomPlugin2"}],
                        "disabled": [{"name": "DefaultPlugin2"}]},
         "score": {"disabled": [{"name": "CustomPlugin2"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "DefaultPlugin2"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin1"}, {"name": "CustomPlugin"}, {"name": "CustomPlugin2"}],
                        "disabled": [{"name": "DefaultPlugin2"}]},
         "score": {"disabled": [{"name": "CustomPlugin2"}]}},
    ),
    "override default MultiPoint plugins with custom value": (
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin", "weight": 5}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin", "weight": 5}]}},
    ),
    "disabled MultiPoint plugin in default set": (
        {"multiPoint": {"enabled": [{"name": "CustomPlugin"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin"}], "disabled": [{"name": "DefaultPlugin2"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin"}, {"name": "CustomPlugin"}],
                        "disabled": [{"name": "DefaultPlugin2"}]}},
    ),
    "disabled MultiPoint plugin in default set for specific extension point": (
        {"multiPoint": {"enabled": [{"name": "CustomPlugin"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin"}]}, "score": {"disabled": [{"name": "DefaultPlugin2"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin"}, {"name": "CustomPlugin"}]},
         "score": {"disabled": [{"name": "DefaultPlugin2"}]}},
    ),
    "multipoint with only disabled gets merged": (
        {"multiPoint": {"disabled": [{"name": "DefaultPlugin"}]}},
        {"multiPoint": {"enabled": [{"name": "DefaultPlugin"}]}},
        {"multiPoint": {"disabled": [{"name": "DefaultPlugin"}]}},
    ),
}


@pytest.mark.parametrize("custom, default, expected", MERGE_CASES.values(), ids=MERGE_CASES.keys())
def test_merge_plugins(custom, default, expected):
    assert merge_plugins(default, custom) == expected


# ---------------------------------------------------------------------------
# MultiPoint expansion: framework_test.go TestNewFrameworkMultiPointExpansion
# ---------------------------------------------------------------------------

EVERY_POINT = ("queueSort", "preFilter", "filter", "postFilter", "preScore", "reserve", "permit",
               "preBind", "bind", "postBind", "preEnqueue")


def test_plugin_expansion(custom_plugins):
    # "plugin expansion": a multiPoint plugin runs at every point it implements, weight at score
    got = expand_plugins({"multiPoint": {"enabled": [{"name": "TestPlugin", "weight": 5}]}})
    assert all(got[p] == (("TestPlugin", 0),) for p in EVERY_POINT)
    assert got["score"] == (("TestPlugin", 5),)


def test_disable_multi_point_plugin_at_some_extension_points(custom_plugins):
    got = expand_plugins({"multiPoint": {"enabled": [{"name": "TestPlugin"}]},
                          "preScore": {"disabled": [{"name": "TestPlugin"}]},
                          "score": {"disabled": [{"name": "TestPlugin"}]}})
    assert got["preScore"] == got["score"] == ()
    assert got["filter"] == (("TestPlugin", 0),)


EXPANSION_CASES = {
    "Multiple MultiPoint plugins": (
        {"multiPoint": {"enabled": [{"name": "TestPlugin"}, {"name": "ScorePlugin1"}]}},
        ["TestPlugin", "ScorePlugin1"], [("TestPlugin", 1), ("ScorePlugin1", 1)]),
    "disable MultiPoint extension": (
        {"multiPoint": {"enabled": [{"name": "TestPlugin"}, {"name": "ScorePlugin1"}]},
         "preScore": {"disabled": [{"name": "*"}]}},
        [], [("TestPlugin", 1), ("ScorePlugin1", 1)]),
    "Reorder MultiPoint plugins (specified extension takes precedence)": (
        {"multiPoint": {"enabled": [{"name": "ScoreWithNormalizePlugin1"}, {"name": "TestPlugin"},
                                    {"name": "ScorePlugin1"}]},
         "score": {"enabled": [{"name": "ScorePlugin1"}, {"name": "TestPlugin"}]}},
        ["TestPlugin", "ScorePlugin1"],
        [("ScorePlugin1", 1), ("TestPlugin", 1), ("ScoreWithNormalizePlugin1", 1)]),
    "Reorder MultiPoint plugins (specified extension only takes precedence when it exists in MultiPoint)": (
        {"multiPoint": {"enabled": [{"name": "TestPlugin"}, {"name": "ScorePlugin1"}]},
         "score": {"enabled": [{"name": "ScoreWithNormalizePlugin1"}, {"name": "ScorePlugin1"},
                               {"name": "TestPlugin"}]}},
        ["TestPlugin", "ScorePlugin1"],
        [("ScorePlugin1", 1), ("TestPlugin", 1), ("ScoreWithNormalizePlugin1", 1)]),
    "Override MultiPoint plugins weights": (
        {"multiPoint": {"enabled": [{"name": "TestPlugin"}, {"name": "ScorePlugin1"}]},
         "score": {"enabled": [{"name": "ScorePlugin1", "weight": 5}, {"name": "TestPlugin", "weight": 3}]}},
        ["TestPlugin", "ScorePlugin1"], [("ScorePlugin1", 5), ("TestPlugin", 3)]),
    "disable and enable MultiPoint plugins with '*'": (
        {"multiPoint": {"enabled": [{"name": "QueueSortPlugin"}, {"name": "BindPlugin"}, {"name": "ScorePlugin1"}],
                        "disabled": [{"name": "*"}]}},
        ["ScorePlugin1"], [("ScorePlugin1", 1)]),
    "Override MultiPoint plugins weights and avoid a plugin being loaded multiple times": (
        {"multiPoint": {"enabled": [{"name": "TestPlugin"}, {"name": "ScorePlugin1"}]},
         "score": {"enabled": [{"name": "ScorePlugin1", "weight": 5}, {"name": "ScorePlugin2", "weight": 5},
                               {"name": "TestPlugin", "weight": 3}]}},
        ["TestPlugin", "ScorePlugin1"], [("ScorePlugin1", 5), ("TestPlugin", 3), ("ScorePlugin2", 5)]),
}


@pytest.mark.parametrize("plugins, pre_score, score", EXPANSION_CASES.values(), ids=EXPANSION_CASES.keys())
def test_multi_point_expansion(custom_plugins, plugins, pre_score, score):
    got = expand_plugins(plugins)
    assert names(got["preScore"]) == pre_score
    assert list(got["score"]) == score


def test_multi_point_double_registration(custom_plugins):
    # "Expect 'already registered' error"
    with pytest.raises(ProfileError, match="already registered") as info:
        expand_plugins({"multiPoint": {"enabled": [{"name": "TestPlugin"}, {"name": "TestPlugin"}]}})
    assert info.value.field == "plugins.multiPoint.enabled[1].name"


def test_plugin_at_a_point_it_does_not_implement():
    # framework.go updatePluginList: "plugin %q does not extend %s plugin"
    with pytest.raises(ProfileError, match="does not extend FilterPlugin") as info:
        load_configuration(profile_with(plugins={"filter": {"enabled": [{"name": "ImageLocality"}]}}))
    assert info.value.field == "profiles[0].plugins.filter.enabled[0].name"
    assert info.value.value == "ImageLocality"


def test_default_plugin_reconfigured_at_score_moves_first():
    # A default plugin configured at the score point overrides its multiPoint entry, and
    # overridden plugins come first (expandMultiPointPlugins part 1).
    cfg = load_configuration(HEADER + """
profiles:
- plugins:
    score:
      enabled:
      - name: NodeResourcesBalancedAllocation
        weight: 5
""")
    assert cfg.profile().scores()[:2] == (("NodeResourcesBalancedAllocation", 5), ("TaintToleration", 3))


def test_disable_all_scores_and_enable_some():
    cfg = load_configuration(HEADER + """
profiles:
- plugins:
    score:
      disabled: [{name: "*"}]
      enabled:
      - {name: NodeResourcesFit, weight: 4}
      - {name: ImageLocality}
    multiPoint:
      disabled: [{name: VolumeBinding}]
""")
    profile = cfg.profile()
    assert profile.scores() == (("NodeResourcesFit", 4), ("ImageLocality", 1))
    assert not profile.enabled("VolumeBinding")
    assert profile.enabled("NodeResourcesBalancedAllocation", "preScore")  # "*" is per point


def test_most_allocated_profile_from_the_docs():
    # kubernetes.io "Resource Bin Packing": NodeResourcesFit with MostAllocated
    cfg = load_configuration(HEADER + """
profiles:
- pluginConfig:
  - args:
      scoringStrategy:
        resources:
        - name: cpu
          weight: 1
        - name: memory
          weight: 1
        - name: intel.com/foo
          weight: 3
        - name: intel.com/bar
          weight: 3
        type: MostAllocated
    name: NodeResourcesFit
""")
    strategy = cfg.profile().plugin_args["NodeResourcesFit"].scoring_strategy
    assert strategy.type == "MostAllocated"
    assert strategy.resources == (("cpu", 1), ("memory", 1), ("intel.com/foo", 3), ("intel.com/bar", 3))


# ---------------------------------------------------------------------------
# Profiles, custom plugins, files
# ---------------------------------------------------------------------------

def test_several_profiles_by_scheduler_name():
    # kubernetes.io "Scheduling Profiles": a profile without scoring next to the default one
    cfg = load_configuration(HEADER + """
percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
- schedulerName: no-scoring-scheduler
  percentageOfNodesToScore: 70
  plugins:
    preScore:
      disabled: [{name: '*'}]
    score:
      disabled: [{name: '*'}]
""")
    assert [p.scheduler_name for p in cfg.profiles] == ["default-scheduler", "no-scoring-scheduler"]
    assert cfg.profile("no-scoring-scheduler").scores() == ()
    assert cfg.profile("no-scoring-scheduler").percentage_of_nodes_to_score == 70
    assert len(cfg.profile().scores()) == 8
    assert cfg.profile("nobody") is None
    assert cfg.percentage_of_nodes_to_score == 30


def test_custom_plugin_registered_and_enabled_from_yaml(custom_plugins):
    assert PLUGIN_EXTENSION_POINTS["CustomFilter"] == ("filter", "score")
    cfg = load_configuration(HEADER + """
profiles:
- schedulerName: research
  plugins:
    multiPoint:
      enabled:
      - name: CustomFilter
        weight: 7
  pluginConfig:
  - name: CustomFilter
    args: {threshold: 0.8}
""")
    profile = cfg.profile("research")
    assert profile.filters()[-1] == "CustomFilter"
    assert profile.scores()[-1] == ("CustomFilter", 7)
    assert profile.plugin_args["CustomFilter"] == {"threshold": 0.8}


def test_register_plugin_rejects_in_tree_names_and_bad_points():
    with pytest.raises(ProfileError, match="kube-scheduler plugin"):
        register_plugin("NodeResourcesFit", ["filter"])
    with pytest.raises(ProfileError, match="extension points"):
        register_plugin("MyPlugin", ["multiPoint"])
    assert "MyPlugin" not in PLUGIN_EXTENSION_POINTS


def test_load_from_file_names_the_file(tmp_path):
    path = tmp_path / "scheduler.yaml"
    path.write_text(HEADER + "percentageOfNodesToScore: 120\n")
    with pytest.raises(ProfileError) as info:
        load_configuration(path)
    assert str(info.value) == f"{path}: percentageOfNodesToScore: Invalid value: 120: not in valid range [0-100]"
    path.write_text(HEADER + "profiles: [{schedulerName: fast}]\n")
    assert load_configuration(str(path)).profile("fast") is not None


# ---------------------------------------------------------------------------
# Validation: validation_test.go TestValidateKubeSchedulerConfiguration
# ---------------------------------------------------------------------------

CONFIG_ERRORS = {
    "bad-percentage-of-nodes-to-score": (
        config(percentageOfNodesToScore=101), "percentageOfNodesToScore", 101),
    "bad-profile-percentage-of-nodes-to-score": (
        profile_with(percentageOfNodesToScore=-1), "profiles[0].percentageOfNodesToScore", -1),
    "scheduler-name-not-set": (
        config(profiles=[{"schedulerName": "me"}, {}]), "profiles[1].schedulerName", None),
    "repeated-scheduler-name": (
        config(profiles=[{"schedulerName": "other"}, {"schedulerName": "other"}]),
        "profiles[1].schedulerName", "other"),
    "different-queue-sort": (
        config(profiles=[{"schedulerName": "me"},
                         {"schedulerName": "other",
                          "plugins": {"queueSort": {"enabled": [{"name": "PrioritySort"}],
                                                    "disabled": [{"name": "*"}]}}}]),
        "profiles[1].plugins.queueSort", ["PrioritySort"]),
    "bad-parallelism-invalid-value": (config(parallelism=0), "parallelism", 0),
    "bad-pod-max-backoff": (config(podInitialBackoffSeconds=5, podMaxBackoffSeconds=2), "podMaxBackoffSeconds", 2),
    "invalid-node-percentage": (
        profile_with(pluginConfig=[{"name": "DefaultPreemption", "args": {"minCandidateNodesPercentage": 200}}]),
        "profiles[0].pluginConfig[0].args.minCandidateNodesPercentage", 200),
    "invalid-plugin-args": (
        profile_with(pluginConfig=[{"name": "DefaultPreemption", "args": {"kind": "InterPodAffinityArgs"}}]),
        "profiles[0].pluginConfig[0].args.kind", "InterPodAffinityArgs"),
    "duplicated-plugin-config": (
        profile_with(pluginConfig=[{"name": "NodeAffinity"}, {"name": "NodeAffinity"}]),
        "profiles[0].pluginConfig[1]", "NodeAffinity"),
    "bad-removed-plugins": (
        profile_with(plugins={"filter": {"enabled": [{"name": "EBSLimits"}]}}),
        "profiles[0].plugins.filter.enabled[0].name", "EBSLimits"),
    "unknown-plugin": (
        profile_with(plugins={"score": {"enabled": [{"name": "NodeResourcesFit"}, {"name": "ImageLocality"},
                                                    {"name": "MyScore", "weight": 2}]}}),
        "profiles[0].plugins.score.enabled[2].name", "MyScore"),
    "unknown-plugin-in-plugin-config": (
        profile_with(pluginConfig=[{"name": "NodeResourceFit", "args": {}}]),
        "profiles[0].pluginConfig[0].name", "NodeResourceFit"),
    "unknown-extension-point": (
        profile_with(plugins={"scores": {"enabled": [{"name": "ImageLocality"}]}}),
        "profiles[0].plugins.scores", None),
    "unknown-field": (config(profiles=[{"schedulername": "x"}]), "profiles[0].schedulername", None),
    "no-bind-plugin": (
        profile_with(plugins={"multiPoint": {"disabled": [{"name": "DefaultBinder"}]}}),
        "profiles[0].plugins.bind", None),
    "repeated-plugin-at-a-point": (
        profile_with(plugins={"filter": {"enabled": [{"name": "NodeName"}, {"name": "NodeName"}]}}),
        "profiles[0].plugins.filter.enabled[1].name", "NodeName"),
}


@pytest.mark.parametrize("data, field, value", CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_configuration_errors(data, field, value):
    with pytest.raises(ProfileError) as info:
        load_configuration(data)
    assert (info.value.field, info.value.value) == (field, value)


def test_error_messages():
    with pytest.raises(ProfileError, match="unknown plugin") as info:
        load_configuration(CONFIG_ERRORS["unknown-plugin"][0])
    assert str(info.value).startswith("profiles[0].plugins.score.enabled[2].name: 'MyScore': unknown plugin")
    with pytest.raises(ProfileError, match="unknown extension point"):
        load_configuration(CONFIG_ERRORS["unknown-extension-point"][0])
    with pytest.raises(ProfileError, match='Duplicate value: "other"'):
        load_configuration(CONFIG_ERRORS["repeated-scheduler-name"][0])
    with pytest.raises(ProfileError, match="at least one bind plugin is needed"):
        load_configuration(CONFIG_ERRORS["no-bind-plugin"][0])


@pytest.mark.parametrize("data, field", [
    ({"kind": "KubeSchedulerConfiguration"}, "apiVersion"),
    (config(apiVersion="kubescheduler.config.k8s.io/v1beta3"), "apiVersion"),
    (config(kind="Policy"), "kind"),
])
def test_api_version_and_kind(data, field):
    with pytest.raises(ProfileError) as info:
        load_configuration(data)
    assert info.value.field == field


# ---------------------------------------------------------------------------
# Plugin args validation: validation_pluginargs_test.go
# ---------------------------------------------------------------------------

ARGS = "profiles[0].pluginConfig[0].args"

ARGS_ERRORS = {
    # TestValidateDefaultPreemptionArgs
    "negative minCandidateNodesPercentage": (
        "DefaultPreemption", {"minCandidateNodesPercentage": -1}, "minCandidateNodesPercentage", -1),
    "minCandidateNodesPercentage over 100": (
        "DefaultPreemption", {"minCandidateNodesPercentage": 900}, "minCandidateNodesPercentage", 900),
    "negative minCandidateNodesAbsolute": (
        "DefaultPreemption", {"minCandidateNodesPercentage": 20, "minCandidateNodesAbsolute": -1},
        "minCandidateNodesAbsolute", -1),
    "all zero": (
        "DefaultPreemption", {"minCandidateNodesPercentage": 0, "minCandidateNodesAbsolute": 0},
        "minCandidateNodesPercentage", 0),
    # TestValidateInterPodAffinityArgs
    "hardPodAffinityWeight less than min": (
        "InterPodAffinity", {"hardPodAffinityWeight": -1}, "hardPodAffinityWeight", -1),
    "hardPodAffinityWeight more than max": (
        "InterPodAffinity", {"hardPodAffinityWeight": 101}, "hardPodAffinityWeight", 101),
    # TestValidatePodTopologySpreadArgs
    "maxSkew less than zero": (
        "PodTopologySpread", {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": -1, "topologyKey": "node", "whenUnsatisfiable": "DoNotSchedule"}]},
        "defaultConstraints[0].maxSkew", -1),
    "empty topology key": (
        "PodTopologySpread", {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "", "whenUnsatisfiable": "DoNotSchedule"}]},
        "defaultConstraints[0].topologyKey", None),
    "whenUnsatisfiable is empty": (
        "PodTopologySpread", {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "node", "whenUnsatisfiable": ""}]},
        "defaultConstraints[0].whenUnsatisfiable", None),
    "whenUnsatisfiable contains unsupported action": (
        "PodTopologySpread", {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "node", "whenUnsatisfiable": "unknown action"}]},
        "defaultConstraints[0].whenUnsatisfiable", "unknown action"),
    "duplicated constraints": (
        "PodTopologySpread", {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "node", "whenUnsatisfiable": "DoNotSchedule"},
            {"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": "DoNotSchedule"}]},
        "defaultConstraints[1]", "{node, DoNotSchedule}"),
    "label selector present": (
        "PodTopologySpread", {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "key", "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": {"matchLabels": {"a": "b"}}}]},
        "defaultConstraints[0].labelSelector", None),
    "wrong constraints": ("PodTopologySpread", {"defaultingType": "unknown"}, "defaultingType", "unknown"),
    "system default constraints, but has constraints": (
        "PodTopologySpread", {"defaultingType": "System", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "key", "whenUnsatisfiable": "DoNotSchedule"}]},
        "defaultingType", "System"),
    # TestValidateNodeResourcesBalancedAllocationArgs
    "balanced allocation invalid config": (
        "NodeResourcesBalancedAllocation",
        {"resources": [{"name": "cpu", "weight": 2}, {"name": "memory", "weight": 1}]},
        "resources[0].weight", 2),
    "repeated resources": (
        "NodeResourcesBalancedAllocation", {"resources": [{"name": "cpu", "weight": 1}, {"name": "cpu", "weight": 1}]},
        "resources[1].name", "cpu"),
    # TestValidateNodeAffinityArgs "invalid added affinity"
    "invalid added affinity": (
        "NodeAffinity", {"addedAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "invalid/label/key", "operator": "In", "values": ["label-1-val"]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": ["node-1", "node-2"]}]}}]}},
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key",
        None),
    # TestValidateVolumeBindingArgs
    "negative value is invalid config": ("VolumeBinding", {"bindTimeoutSeconds": -10}, "bindTimeoutSeconds", -10),
    "[StorageCapacityScoring=off] error if the shape is not nil when the feature is off": (
        "VolumeBinding", {"shape": [{"utilization": 1, "score": 1}, {"utilization": 3, "score": 3}]}, "shape",
        [{"utilization": 1, "score": 1}, {"utilization": 3, "score": 3}]),
    # TestValidateFitArgs
    "IgnoredResources: name has too many slash": (
        "NodeResourcesFit", {"ignoredResources": ["example.com/aaa/bbb"]}, "ignoredResources[0]",
        "example.com/aaa/bbb"),
    "IgnoredResourceGroups: name cannot be contain slash": (
        "NodeResourcesFit", {"ignoredResourceGroups": ["example.com/aa"]}, "ignoredResourceGroups[0]",
        "example.com/aa"),
    # TestValidateLeastAllocatedScoringStrategy / MostAllocated (0 is defaulted to 1 in v1)
    "weight greater than max": (
        "NodeResourcesFit",
        {"scoringStrategy": {"type": "LeastAllocated", "resources": [{"name": "cpu", "weight": 101}]}},
        "scoringStrategy.resources[0].weight", 101),
    "multi invalid resources": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "MostAllocated", "resources": [
            {"name": "cpu", "weight": -1}, {"name": "memory", "weight": 101}]}},
        "scoringStrategy.resources[0].weight", -1),
    "scoring strategy without a type": (
        "NodeResourcesFit", {"scoringStrategy": {"resources": [{"name": "cpu", "weight": 1}]}},
        "scoringStrategy.type", ""),
    # TestValidateRequestedToCapacityRatioScoringStrategy
    "no shapes": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "RequestedToCapacityRatio"}},
        "scoringStrategy.requestedToCapacityRatio", None),
    "empty shape": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {}}},
        "scoringStrategy.requestedToCapacityRatio.shape", None),
    "utilization less than min": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {
            "shape": [{"utilization": -1, "score": 3}]}}},
        "scoringStrategy.requestedToCapacityRatio.shape[0].utilization", -1),
    "duplicated utilization values": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {
            "shape": [{"utilization": 10, "score": 3}, {"utilization": 10, "score": 3}]}}},
        "scoringStrategy.requestedToCapacityRatio.shape[1].utilization", 10),
    "non-increasing utilization values": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {
            "shape": [{"utilization": 10, "score": 3}, {"utilization": 20, "score": 3},
                      {"utilization": 15, "score": 3}]}}},
        "scoringStrategy.requestedToCapacityRatio.shape[2].utilization", 15),
    "score greater than max": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {
            "shape": [{"utilization": 10, "score": 11}]}}},
        "scoringStrategy.requestedToCapacityRatio.shape[0].score", 11),
    "shape with another type": (
        "NodeResourcesFit", {"scoringStrategy": {"type": "MostAllocated", "requestedToCapacityRatio": {
            "shape": [{"utilization": 10, "score": 1}]}}},
        "scoringStrategy.requestedToCapacityRatio", None),
    "strict decoding": ("InterPodAffinity", {"hardPodAffinityWieght": 2}, "hardPodAffinityWieght", None),
    "not an integer": ("InterPodAffinity", {"hardPodAffinityWeight": "2"}, "hardPodAffinityWeight", "2"),
}


@pytest.mark.parametrize("plugin, args, field, value", ARGS_ERRORS.values(), ids=ARGS_ERRORS.keys())
def test_plugin_args_errors(plugin, args, field, value):
    error = args_error(plugin, args)
    assert (error.field, error.value) == (f"{ARGS}.{field}", value)


def test_plugin_args_messages():
    error = args_error("NodeResourcesFit", ARGS_ERRORS["weight greater than max"][1])
    assert str(error) == (f"{ARGS}.scoringStrategy.resources[0].weight: Invalid value: 101: "
                          "resource weight of cpu not in valid range (0, 100]")
    error = args_error("PodTopologySpread", ARGS_ERRORS["whenUnsatisfiable contains unsupported action"][1])
    assert error.reason == ('Unsupported value: "unknown action": supported values: '
                            '"DoNotSchedule", "ScheduleAnyway"')
    # "all zero" reports both fields, as field.ErrorList does
    error = args_error("DefaultPreemption", {"minCandidateNodesPercentage": 0, "minCandidateNodesAbsolute": 0})
    assert error.errors == (
        f"{ARGS}.minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as "
        "minCandidateNodesAbsolute",
        f"{ARGS}.minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as "
        "minCandidateNodesPercentage")
    # TestValidateNodeAffinityArgs "invalid added affinity": both terms are reported
    error = args_error("NodeAffinity", ARGS_ERRORS["invalid added affinity"][1])
    assert [e.split(": ")[0] for e in error.errors] == [
        f"{ARGS}.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
        ".matchExpressions[0].key",
        f"{ARGS}.addedAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].matchFields[0].values"]


def test_valid_plugin_args():
    # the "valid" cases of validation_pluginargs_test.go
    for plugin, args in [
        ("PodTopologySpread", {"defaultingType": "List", "defaultConstraints": [
            {"maxSkew": 1, "topologyKey": "node", "whenUnsatisfiable": "DoNotSchedule"},
            {"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"}]}),
        ("PodTopologySpread", {"defaultingType": "List"}),
        ("NodeAffinity", {"addedAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "label-1", "operator": "In", "values": ["label-1-val"]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}}]}}),
        ("NodeResourcesFit", {"ignoredResources": ["example.com"], "ignoredResourceGroups": ["example.com"]}),
        ("NodeResourcesFit", {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {
            "shape": [{"utilization": 10, "score": 3}, {"utilization": 20, "score": 3},
                      {"utilization": 30, "score": 3}]}}}),
        ("InterPodAffinity", {"hardPodAffinityWeight": 10, "kind": "InterPodAffinityArgs",
                              "apiVersion": "kubescheduler.config.k8s.io/v1"}),
        ("VolumeBinding", {"bindTimeoutSeconds": 10}),
    ]:
        cfg = load_configuration(profile_with(pluginConfig=[{"name": plugin, "args": args}]))
        assert plugin in cfg.profile().plugin_args


# ---------------------------------------------------------------------------
# schedule_one_test.go TestNumFeasibleNodesToFind
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("global_percentage, profile_percentage, num_all_nodes, want", [
    (0, None, 10, 10),       # not set percentageOfNodesToScore and nodes number not more than 50
    (0, 40, 10, 10),         # set profile percentageOfNodesToScore and nodes number not more than 50
    (0, None, 1000, 420),    # not set, more than 50: 1000 * (50 - 1000/125) / 100 = 420
    (0, 40, 1000, 400),      # set profile percentageOfNodesToScore: 1000 * 40 / 100
    (100, 40, 1000, 400),    # set global and profile: the profile wins
    (40, None, 1000, 400),   # set global percentageOfNodesToScore
    (0, None, 6000, 300),    # more than 50*125: 50 - 48 = 2% -> 5%: 6000 * 5 / 100
    (0, 40, 6000, 2400),     # set profile percentageOfNodesToScore and more than 50*125
])
def test_num_feasible_nodes_to_find(global_percentage, profile_percentage, num_all_nodes, want):
    assert num_feasible_nodes_to_find(profile_percentage, num_all_nodes,
                                      global_percentage=global_percentage) == want


def test_num_feasible_nodes_to_find_floor_of_100():
    assert num_feasible_nodes_to_find(1, 5000) == 100  # 5000 * 1 / 100 = 50 -> minFeasibleNodesToFind
    assert num_feasible_nodes_to_find(100, 5000) == 5000
