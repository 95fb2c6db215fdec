"""Image files for the tests, drawn with Pillow: each format, a photo with EXIF and GPS
data and a camera orientation, and files that only pretend to be images."""
import io

from PIL import Image, ImageDraw

ORIENTATION = 0x0112
GPS_IFD = 0x8825
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def picture(width=320, height=200, colour=(40, 90, 160)):
    """A picture with something to see: a block of colour, a bar and a circle."""
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 4, height), fill=(230, 200, 40))
    draw.ellipse((width // 2, height // 4, width // 2 + height // 2, height * 3 // 4),
                 fill=(200, 40, 60))
    return image


def image_bytes(image_format="PNG", width=320, height=200, **save):
    image = picture(width, height)
    if image_format == "GIF":
        image = image.convert("P")
    output = io.BytesIO()
    image.save(output, image_format, **save)
    return output.getvalue()


def photo_with_location(width=300, height=200):
    """A JPEG as a phone takes it: EXIF with GPS coordinates, and "rotate 90° clockwise"
    as its orientation (so it is shown ``height`` wide and ``width`` tall)."""
    image = picture(width, height)
    exif = image.getexif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)})
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    return output.getvalue()


def upload(data, filename="picture.png"):
    """What a form sends for a file field."""
    return (io.BytesIO(data), filename)


def opened(data):
    return Image.open(io.BytesIO(data))
