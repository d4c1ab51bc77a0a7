"""validateTemperature: rejects readings no sensor can really have seen."""

ABSOLUTE_ZERO_C = -273.15
HOTTEST_PLAUSIBLE_C = 100.0


class TemperatureOutOfRange(Exception):
    """Raised for impossible readings; Step Functions sees it as error TemperatureOutOfRange."""


def handler(event, context):
    temperature = event.get("temperature")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TemperatureOutOfRange(f"temperature must be a number, got {temperature!r}")
    if temperature <= ABSOLUTE_ZERO_C + 1:
        # Cheap sensors that lose power report values at (or below) absolute zero.
        raise TemperatureOutOfRange(f"too cold: {temperature} is not a possible reading")
    if temperature > HOTTEST_PLAUSIBLE_C:
        raise TemperatureOutOfRange(f"too hot: {temperature} is not a possible reading")
    print(f"valid reading {temperature} from {event.get('sensorId')}")
    return {"sensorId": event.get("sensorId", "unknown"), "temperature": temperature}
