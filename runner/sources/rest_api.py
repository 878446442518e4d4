"""`type: rest_api`: dlt's declarative REST API source, its config written in sources.yml.

The block is dlt's `RESTAPIConfig` as it is (client, resource_defaults, resources), secrets given
by reference, so dlt's rest_api docs apply key for key. Building the source makes no request:
validate builds it too, to let dlt check the config.
"""


def build(config: dict, resources: dict, name: str):
    from typing import cast

    from dlt.sources.rest_api import RESTAPIConfig, rest_api_source

    # sources.yml's schema checked the keys; dlt checks the values as it builds the source
    return rest_api_source(cast(RESTAPIConfig, config), name=name)
