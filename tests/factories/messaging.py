import factory

from apps.messaging.models import Message
from tests.factories.accounts import UserFactory


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    sender = factory.SubFactory(UserFactory)
    recipient = factory.SubFactory(UserFactory)
    tenant = factory.SelfAttribute("sender.tenant")
    subject = factory.Faker("sentence", nb_words=4)
    content = factory.Faker("paragraph")
