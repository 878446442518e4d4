"""`type: rest_api`: dlt's declarative REST API source, its config written in sources.yml.

The block is dlt's `RESTAPIConfig` as it is (client, resource_defaults, resources), secrets given
by reference, so dlt's rest_api docs apply key for key. Building the source makes no request:
validate builds it too, to let dlt check the config.
"""


def build(config: dict, resources: dict, name: str):
    from dlt.sources.rest_api import rest_api_source

    return rest_api_source(config, name=name)
