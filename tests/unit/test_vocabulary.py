import typing
from enum import StrEnum

from trainpkg_app.core.cost import OVERHEAD_MINUTES
from trainpkg_app.core.hub_launch import HUB_TARGETS
from trainpkg_app.core.step_data import DeployTarget
from trainpkg_app.core.validation import DISCRIMINATOR_TAGS
from trainpkg_app.core.vocabulary import DeploymentTarget, sql_in_list

DECLARED_TARGETS = {target.value for target in DeploymentTarget}


def test_sql_in_list_quotes_every_member_in_declaration_order():
    class Shade(StrEnum):
        LIGHT = "light"
        DARK_BLUE = "dark blue"

    assert sql_in_list(Shade) == "'light', 'dark blue'"


def test_the_deploy_step_validates_exactly_the_declared_targets():
    members = typing.get_args(typing.get_args(DeployTarget)[0])
    tags = {
        tag for model in members for tag in typing.get_args(model.model_fields["target"].annotation)
    }
    assert tags == DECLARED_TARGETS


def test_every_rule_keyed_by_target_knows_exactly_the_declared_targets():
    assert DISCRIMINATOR_TAGS == DECLARED_TARGETS  # error locations drop exactly these
    assert set(OVERHEAD_MINUTES) == DECLARED_TARGETS  # the cost estimate of each target
    assert set(HUB_TARGETS) == DECLARED_TARGETS - {DeploymentTarget.LOCAL}
